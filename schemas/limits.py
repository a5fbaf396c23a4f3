"""What one input may hold before it is refused unread: the readers' limits, in one place.

Every limit keeps memory bounded by design: a file that passes them all costs at most a
known amount to read and check (README, "How a file is read"). A file, sheet or folder
over a limit is a V001 finding that names it and the limit, and the rest of the run goes
on. Real exports are far below every figure here: a bidang's quarter is a few hundred to
a few thousand rows of a dozen columns.
"""

from __future__ import annotations

MIB = 1024 * 1024

# A file on disk (CSV or workbook), before anything is read.
MAX_FILE_BYTES = 64 * MIB
# The parts of an .xlsx once unpacked (a zip bomb stops here, not in memory).
MAX_UNCOMPRESSED_BYTES = 512 * MIB
# Worksheets in one workbook.
MAX_SHEETS = 100
# Rows of one sheet or CSV, counted from spreadsheet row 1 (blank rows too).
MAX_ROWS = 100_000
# Columns of one sheet or CSV line (an .xls can hold 256; real exports use about 10).
MAX_COLUMNS = 256
# Rows x columns of one sheet: the cells a reader holds at once (100.000 x 40).
MAX_CELLS = 4_000_000
# Characters of one cell (Excel itself stops at 32.767; 131.072 is the csv module's own
# limit: a longer CSV cell breaks only its line, a V003).
MAX_CELL_CHARS = 131_072
# Rows of all files of one bidang's quarter together: a file read beyond it is refused.
# Checking a bidang-quarter of N rows peaks at about 0,2 GB + 9 KB x N (README).
MAX_ROWS_PER_SUBMISSION = 100_000

# Workbooks are opened in a child process that may use at most this much address space
# and CPU time: a workbook whose few bytes claim a cell at XFD1048576 makes calamine ask
# for hundreds of GB before any sheet size can be checked. The child fails, not the run.
WORKBOOK_MEMORY_BYTES = 1536 * MIB
WORKBOOK_CPU_SECONDS = 300
