"""The curated tables analysts load (DATA-CONTRACT.md section 3): one pandera model each.

These models are the single declaration of every published column: its type (checked
on every run before the gate) and its meaning (the data dictionary, curated/README.md,
is generated from the descriptions here; a test keeps the two equal).
"""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa
import polars as pl

from schemas.rules import RULES
from schemas.types import Measure, Money, Percent


def _f(description: str, nullable: bool = False, **checks) -> object:
    return pa.Field(description=description, nullable=nullable, **checks)


class _CuratedModel(pa.DataFrameModel):
    kode_opd: str = _f(
        "Office code (referensi/opd.csv). A raw folder of many offices partitions every table "
        "by it; a single-office raw folder without opd.csv leaves it null.",
        nullable=True,
    )

    class Config:
        strict = True
        ordered = True
        coerce = False


class Dpa(_CuratedModel):
    """Pagu (ceiling) of every DPA line, both versions: one row per tahun, versi, sub kegiatan, jenis belanja."""  # noqa: E501

    tahun: pl.Int32 = _f("Budget year (partition key).")
    versi: str = _f(
        "DPA version: murni (original) or perubahan (revised).", isin=["murni", "perubahan"]
    )
    tanggal_berlaku: dt.date = _f("Date the version takes effect.")
    kode_program: str = _f("Program code, 3 parts (2.17.01).")
    kode_kegiatan: str = _f("Kegiatan code, 5 parts (2.17.01.1.01).")
    kode_sub_kegiatan: str = _f("Sub kegiatan code, 6 parts (2.17.01.1.01.01).")
    uraian: str = _f("Name of the sub kegiatan (dpa.csv, else hierarki.csv).", nullable=True)
    jenis_belanja: str = _f(
        "Kind of spending: operasi (5.1) or modal (5.2).", isin=["operasi", "modal"]
    )
    pagu: Money = _f("Ceiling in Rupiah, DECIMAL(18,2).", ge=0)
    kode_bidang: str = _f("Bidang that owns the program (bidang.csv).", nullable=True)

    class Config:
        unique = ["kode_opd", "versi", "kode_sub_kegiatan", "jenis_belanja"]


class RealisasiAnggaran(_CuratedModel):
    """Budget realisation: one row per tahun, triwulan, sub kegiatan, jenis belanja, for every DPA line."""  # noqa: E501

    tahun: pl.Int32 = _f("Budget year (partition key).")
    triwulan: pl.Int8 = _f("Quarter 1-4 (partition key).", ge=1, le=4)
    kode_bidang: str = _f("Bidang that owns the program.", nullable=True)
    kode_program: str = _f("Program code, 3 parts.")
    kode_kegiatan: str = _f("Kegiatan code, 5 parts.")
    kode_sub_kegiatan: str = _f("Sub kegiatan code, 6 parts.")
    uraian: str = _f("Name of the sub kegiatan.", nullable=True)
    jenis_belanja: str = _f("operasi or modal.", isin=["operasi", "modal"])
    versi_dpa: str = _f("DPA version in force at the end of the quarter.")
    pagu: Money = _f("Pagu of the version in force (0 where the line is not in it).", ge=0)
    realisasi_triwulan: Money = _f(
        "Spending of this quarter: its accepted rows, or derived (see kelengkapan).", ge=0
    )
    realisasi_kumulatif: Money = _f(
        "Spending of quarters 1..triwulan (the running sum of realisasi_triwulan)."
    )
    sisa_anggaran: Money = _f("pagu - realisasi_kumulatif.")
    persen_realisasi: Percent = _f(
        "realisasi_kumulatif / pagu x 100, 2 decimals half away from zero; null if pagu is 0.",
        nullable=True,
    )
    realisasi_fisik: Measure = _f(
        "Physical progress in % (cumulative, as stated; highest of the line's rows); null "
        "unless kelengkapan is lengkap.",
        nullable=True,
    )
    kelengkapan: str = _f(
        "Where the quarter's figure comes from: lengkap (the quarter's own rows, all "
        "accepted), dari_kumulatif (its own figure was missing or held back: derived from the "
        "realisasi s/d TW the bidang stated in the next quarter), tidak_ada (nothing usable "
        "came and no later quarter states it: realisasi_triwulan holds what was accepted, "
        "0 when nothing).",
        isin=["lengkap", "dari_kumulatif", "tidak_ada"],
    )

    class Config:
        unique = ["kode_opd", "triwulan", "kode_sub_kegiatan", "jenis_belanja"]

    @pa.dataframe_check(name="sisa_anggaran = pagu - realisasi_kumulatif")
    def _sisa(cls, data: pa.PolarsData) -> pl.LazyFrame:
        rest = pl.col("pagu") - pl.col("realisasi_kumulatif")
        return data.lazyframe.select(pl.col("sisa_anggaran") == rest)


class CapaianKinerja(_CuratedModel):
    """Indicator achievement: one row per tahun, triwulan, level, kode, indikator."""

    tahun: pl.Int32 = _f("Year (partition key).")
    triwulan: pl.Int8 = _f("Quarter 1-4 (partition key).", ge=1, le=4)
    level: str = _f("tujuan_daerah, sasaran, program, kegiatan or sub_kegiatan.")
    kode: str = _f("Code of the program/kegiatan/sub kegiatan, or sasaran id (S1).")
    indikator: str = _f("Indicator name as agreed in the Perjanjian Kinerja.")
    satuan: str = _f("Unit.", nullable=True)
    target: str = _f("Agreed target as written: a number or a range such as 70-80.", nullable=True)
    target_min: Measure = _f(
        "Lower bound of the target (= target when not a range).", nullable=True
    )
    target_max: Measure = _f(
        "Upper bound of the target (= target when not a range).", nullable=True
    )
    polaritas: str = _f(
        "positif, negatif or rentang; null for an indicator not in indikator.csv (R009).",
        nullable=True,
    )
    realisasi: Measure = _f("Cumulative achievement reported at quarter end.", nullable=True)
    capaian_persen: Percent = _f("Capaian by polarity (DOMAIN.md), 2 decimals.", nullable=True)
    predikat: str = _f(
        "Sangat Tinggi, Tinggi, Sedang, Rendah or Sangat Rendah.",
        nullable=True,
        isin=["Sangat Tinggi", "Tinggi", "Sedang", "Rendah", "Sangat Rendah"],
    )
    kode_bidang: str = _f("Bidang responsible for the indicator.", nullable=True)
    sasaran: str = _f("Sasaran strategis (for IKU rows).", nullable=True)

    class Config:
        unique = ["kode_opd", "triwulan", "level", "kode", "indikator"]


class Temuan(_CuratedModel):
    """Findings: one row per finding of a run (rule codes in DATA-CONTRACT.md section 2)."""

    run_id: str = _f("Identity of the consolidation (same inputs and code, same id).")
    tahun: pl.Int32 = _f("Year (partition key).")
    triwulan: pl.Int8 = _f("Quarter, null for findings about reference files.", nullable=True)
    kode_bidang: str = _f("Bidang whose data the finding is about.", nullable=True)
    aturan: str = _f("Rule code, V001-V008 or R001-R010.", isin=sorted(RULES))
    tingkat: str = _f(
        "error (row kept out of the facts) or peringatan (warning).",
        isin=["error", "peringatan"],
    )
    berkas: str = _f("Source file, relative to the raw folder.", nullable=True)
    lembar: str = _f("Sheet name (null for CSV).", nullable=True)
    baris: pl.Int32 = _f("Row number as the spreadsheet shows it (1-based).", nullable=True)
    kolom: str = _f("Column header as written in the file.", nullable=True)
    kode: str = _f("Code the finding is about.", nullable=True)
    jenis_belanja: str = _f("operasi or modal, where relevant.", nullable=True)
    nilai: str = _f("Value as found (text).", nullable=True)
    nilai_diharapkan: str = _f("Value expected (text).", nullable=True)
    selisih: Money = _f("nilai - nilai_diharapkan for money findings.", nullable=True)
    pesan: str = _f("Message to the steward in Bahasa Indonesia: where, what, how to fix.")
    temuan_id: str = _f(
        "Identity of the problem that survives resubmission (file/row moves).", unique=True
    )
    sel: str = _f("Cell reference such as F12, where known.", nullable=True)
    kode_rekening: str = _f("Kode rekening of the row, where relevant.", nullable=True)
    baris_akhir: pl.Int32 = _f(
        "Last row of a figure summed from several rows (baris..baris_akhir), else null.",
        nullable=True,
    )
    akar: str = _f(
        "temuan_id of the finding this one is a consequence of; null for a root finding.",
        nullable=True,
    )
    status: str = _f(
        "Against the previous release of the year: baru (not in it), masih_ada (in it too) or "
        "selesai (in it, gone now; such rows are only in temuan_selesai).",
        isin=["baru", "masih_ada", "selesai"],
    )
    diterima: bool = _f(
        "True when a steward accepted this peringatan (referensi/penerimaan.csv); an accepted "
        "finding is not counted as open."
    )
    alasan_terima: str = _f("Reason the finding was accepted.", nullable=True)
    diterima_oleh: str = _f("Who approved the acceptance.", nullable=True)


class TemuanSelesai(Temuan):
    """Resolved findings: one row per finding of the previous release of the year that no longer occurs (status selesai), with the columns of `temuan`. Open findings are `temuan` where not `diterima`."""  # noqa: E501


class Karantina(_CuratedModel):
    """Rows kept out of the facts, with their content as sent: one row per source row."""

    run_id: str = _f("Identity of the consolidation.")
    tahun: pl.Int32 = _f("Year (partition key).")
    triwulan: pl.Int8 = _f("Quarter.", nullable=True)
    kode_bidang: str = _f("Bidang that sent the row.", nullable=True)
    berkas: str = _f("Source file, relative to the raw folder.")
    lembar: str = _f("Sheet name (null for CSV).", nullable=True)
    baris: pl.Int32 = _f("Row number as the spreadsheet shows it.")
    tabel: str = _f("keuangan, kinerja, or tak_dikenal (a sheet no header was found in).")
    status: str = _f(
        "karantina (has an error), ganda (identical copy, counted once) or tak_dikenal.",
        isin=["karantina", "ganda", "tak_dikenal"],
    )
    aturan: str = _f("Rule codes of the row's findings, comma-separated.")
    isi: str = _f("The row as sent: JSON of header -> cell text.")


class Kode(_CuratedModel):
    """Names of the codes (hierarki.csv): one row per program, kegiatan, sub kegiatan, ..."""

    tahun: pl.Int32 = _f("Year of the reference (partition key).")
    kode: str = _f("Code: 2, 2.17, 2.17.01, 2.17.01.1.01, 2.17.01.1.01.01.")
    level: str = _f("urusan, bidang_urusan, program, kegiatan or sub_kegiatan.")
    uraian: str = _f("Name as in the nomenclature.", nullable=True)

    class Config:
        unique = ["kode_opd", "kode"]


class TargetKinerja(_CuratedModel):
    """Agreed and medium-term targets: one row per sumber, tahun_target, kode, indikator."""

    tahun: pl.Int32 = _f("Year of the publication (partition key).")
    sumber: str = _f(
        "perjanjian_kinerja (indikator.csv) or renstra (renstra_target.csv).",
        isin=["perjanjian_kinerja", "renstra"],
    )
    tahun_target: pl.Int32 = _f(
        "Year the target is for (indikator.csv also holds last year's IKU)."
    )
    level: str = _f("tujuan_daerah, sasaran, program, kegiatan or sub_kegiatan.")
    kode: str = _f("Code of the program/kegiatan/sub kegiatan, or sasaran/tujuan id.")
    sasaran: str = _f("Sasaran or tujuan the indicator measures.", nullable=True)
    indikator: str = _f("Indicator name.")
    satuan: str = _f("Unit.", nullable=True)
    target: str = _f("Target as written: a number or a range such as 70-80.", nullable=True)
    target_min: Measure = _f("Lower bound of the target.", nullable=True)
    target_max: Measure = _f("Upper bound of the target.", nullable=True)
    polaritas: str = _f("positif, negatif or rentang.", nullable=True)
    kode_bidang: str = _f("Bidang responsible (perjanjian_kinerja).", nullable=True)
    realisasi_tahunan: Measure = _f(
        "Year's realisation as given in indikator.csv (e.g. last year's IKU).", nullable=True
    )

    class Config:
        unique = ["kode_opd", "sumber", "tahun_target", "kode", "indikator"]


class SerapanAnggaran(_CuratedModel):
    """Budget absorption (the report's sums): one row per tahun, triwulan, tingkat, kode, jenis belanja."""  # noqa: E501

    tahun: pl.Int32 = _f("Budget year (partition key).")
    triwulan: pl.Int8 = _f("Quarter 1-4 (partition key).", ge=1, le=4)
    tingkat: str = _f(
        "What is summed: program, kegiatan, bidang, or jumlah (every DPA line of the year).",
        isin=["program", "kegiatan", "bidang", "jumlah"],
    )
    kode: str = _f(
        "Program or kegiatan code, or kode_bidang; null for jumlah (and for lines whose "
        "program has no bidang in bidang.csv).",
        nullable=True,
    )
    uraian: str = _f("Name of the program, kegiatan (kode) or bidang (bidang.csv).", nullable=True)
    kode_bidang: str = _f("Bidang that owns the program.", nullable=True)
    jenis_belanja: str = _f(
        "operasi, modal, or semua (both kinds together).", isin=["operasi", "modal", "semua"]
    )
    baris_dpa: pl.Int32 = _f("Number of realisasi_anggaran lines summed.", ge=1)
    pagu: Money = _f("Sum of the pagu in force at the end of the quarter.", ge=0)
    realisasi_triwulan: Money = _f("Sum of realisasi_triwulan.")
    realisasi_kumulatif: Money = _f("Sum of realisasi_kumulatif (the report's realisasi).")
    sisa_anggaran: Money = _f("pagu - realisasi_kumulatif.")
    persen_realisasi: Percent = _f(
        "Serapan: realisasi_kumulatif / pagu x 100, exact, rounded once half away from zero "
        "to 2 decimals; null where pagu is 0 (or the ratio is 10.000.000 % or more).",
        nullable=True,
    )
    persen_sisa: Percent = _f(
        "sisa_anggaran / pagu x 100, computed the same way; null where pagu is 0.", nullable=True
    )

    class Config:
        unique = ["kode_opd", "triwulan", "tingkat", "kode", "jenis_belanja"]


class AsalAngka(_CuratedModel):
    """Where each figure comes from: one row per figure (tabel, triwulan, kode, jenis belanja or indikator) and source row."""  # noqa: E501

    run_id: str = _f("Identity of the consolidation that made the figure.")
    tahun: pl.Int32 = _f("Year (partition key).")
    triwulan: pl.Int8 = _f("Quarter of the figure (partition key).", ge=1, le=4)
    tabel: str = _f(
        "Table of the figure: realisasi_anggaran (realisasi_kumulatif and pagu of a sub "
        "kegiatan and jenis belanja) or capaian_kinerja (the capaian of an indicator).",
        isin=["realisasi_anggaran", "capaian_kinerja"],
    )
    kode: str = _f("Figure key: kode_sub_kegiatan, or the indicator's kode.")
    jenis_belanja: str = _f("Figure key for realisasi_anggaran: operasi or modal.", nullable=True)
    indikator: str = _f("Figure key for capaian_kinerja: the indicator.", nullable=True)
    peran: str = _f(
        "What the source row gives the figure: realisasi (summed into it; for a capaian, "
        "the reported realisation), kumulatif (its stated realisasi s/d TW gave the figure "
        "of the quarter before, kelengkapan dari_kumulatif), tidak_dipakai (accepted but its "
        "quarter was taken from the next quarter's stated cumulative), ditahan (held back by "
        "an error, not counted), ganda (identical copy, counted once), pagu (the DPA line in "
        "force), target (the indikator.csv row of the agreed target).",
        isin=["realisasi", "kumulatif", "tidak_dipakai", "ditahan", "ganda", "pagu", "target"],
    )
    triwulan_sumber: pl.Int8 = _f(
        "Quarter of the source row (null for reference files).", nullable=True
    )
    berkas: str = _f("Source file, relative to the raw folder.")
    lembar: str = _f("Sheet name (null for CSV).", nullable=True)
    baris: pl.Int32 = _f("Row number as the spreadsheet shows it (1-based).")
    kode_rekening: str = _f("Kode rekening of the row, where it has one.", nullable=True)
    nilai: Money = _f(
        "Amount the row gives: realisasi triwulan (realisasi, tidak_dipakai, ditahan, ganda), "
        "stated realisasi s/d TW (kumulatif), pagu (pagu); null for capaian rows.",
        nullable=True,
    )
    versi_dpa: str = _f("DPA version of a pagu row: murni or perubahan.", nullable=True)
    status: str = _f(
        "The row's status: diterima, karantina or ganda.",
        isin=["diterima", "karantina", "ganda"],
    )
    aturan: str = _f("Rule codes of the findings on the row, comma-separated.", nullable=True)
    sha256: str = _f("sha256 of the source file as read by the run.", nullable=True)

    class Config:
        unique = [
            "kode_opd",
            "triwulan",
            "tabel",
            "kode",
            "jenis_belanja",
            "indikator",
            "peran",
            "berkas",
            "lembar",
            "baris",
        ]


class Opd(_CuratedModel):
    """The office (referensi/opd.csv, DATA-CONTRACT.md section 5): one row per kode_opd; empty until a run reads one."""  # noqa: E501

    tahun: pl.Int32 = _f("Year (partition key).")
    nama_opd: str = _f("Name of the office.")
    pemerintah_daerah: str = _f("Regional government it belongs to (Provinsi Banten).")
    kepala: str = _f("Head of office, as signed under the report.", nullable=True)
    nip_kepala: str = _f("NIP (civil servant number) of the head of office.", nullable=True)
    kota: str = _f("Place the report is signed in.", nullable=True)


MODELS: dict[str, type[_CuratedModel]] = {
    "dpa": Dpa,
    "realisasi_anggaran": RealisasiAnggaran,
    "capaian_kinerja": CapaianKinerja,
    "temuan": Temuan,
    "temuan_selesai": TemuanSelesai,
    "karantina": Karantina,
    "kode": Kode,
    "target_kinerja": TargetKinerja,
    "serapan_anggaran": SerapanAnggaran,
    "asal_angka": AsalAngka,
    "opd": Opd,
}
"""Curated table name -> its model."""


OFFICE = "kode_opd"
"""The column every curated table starts with: the office its rows belong to."""


def polars_schema(model: type[_CuratedModel], office: bool = True) -> dict[str, pl.DataType]:
    """Curated model -> its columns with their polars types, in the published order
    (without `kode_opd` unless `office`: one office's tables get it last, all at once)."""
    return {
        name: column.dtype.type
        for name, column in model.to_schema().columns.items()
        if office or name != OFFICE
    }


def columns(model: type[_CuratedModel], office: bool = True) -> list[str]:
    """Curated model -> its column names, in the published order (`office`: as above)."""
    return list(polars_schema(model, office))


PARTISI = {
    "dpa": ["tahun"],
    "realisasi_anggaran": ["tahun", "triwulan"],
    "capaian_kinerja": ["tahun", "triwulan"],
    "temuan": ["tahun"],
    "temuan_selesai": ["tahun"],
    "karantina": ["tahun"],
    "kode": ["tahun"],
    "target_kinerja": ["tahun"],
    "serapan_anggaran": ["tahun", "triwulan"],
    "asal_angka": ["tahun", "triwulan"],
    "opd": ["tahun"],
}
"""Curated table name -> its hive partition keys (not stored inside the Parquet files)."""
