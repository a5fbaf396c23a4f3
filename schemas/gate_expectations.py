"""The publish gate: what every curated table must satisfy before a year is published.

Declared as data (Great Expectations expectation names and their arguments) so the
gate, its tests and the data dictionary read the same list. The frames they run on are
the curated tables plus derived columns and one cross-table frame, `keselarasan`
(transforms/gate_frames.py); Great Expectations has no polars support, so flows/quality_gate.py
hands them over as pandas frames with Arrow types (exact decimals).
"""

from __future__ import annotations

from schemas.rules import RULES

Harapan = tuple[str, dict]

EXPECTATIONS: dict[str, list[Harapan]] = {
    "dpa": [
        (
            "ExpectCompoundColumnsToBeUnique",
            {"column_list": ["versi", "kode_sub_kegiatan", "jenis_belanja"]},
        ),
        *[
            ("ExpectColumnValuesToNotBeNull", {"column": c})
            for c in (
                "tahun",
                "versi",
                "tanggal_berlaku",
                "kode_sub_kegiatan",
                "jenis_belanja",
                "pagu",
            )
        ],
        ("ExpectColumnValuesToBeBetween", {"column": "pagu", "min_value": 0}),
        ("ExpectColumnValuesToBeInSet", {"column": "versi", "value_set": ["murni", "perubahan"]}),
        (
            "ExpectColumnValuesToBeInSet",
            {"column": "jenis_belanja", "value_set": ["operasi", "modal"]},
        ),
    ],
    "realisasi_anggaran": [
        (
            "ExpectCompoundColumnsToBeUnique",
            {"column_list": ["triwulan", "kode_sub_kegiatan", "jenis_belanja"]},
        ),
        *[
            ("ExpectColumnValuesToNotBeNull", {"column": c})
            for c in (
                "tahun",
                "triwulan",
                "kode_sub_kegiatan",
                "jenis_belanja",
                "versi_dpa",
                "pagu",
                "realisasi_triwulan",
                "realisasi_kumulatif",
                "sisa_anggaran",
            )
        ],
        ("ExpectColumnValuesToBeBetween", {"column": "pagu", "min_value": 0}),
        ("ExpectColumnValuesToBeBetween", {"column": "realisasi_triwulan", "min_value": 0}),
        ("ExpectColumnValuesToBeBetween", {"column": "kenaikan_kumulatif", "min_value": 0}),
        (
            "ExpectColumnPairValuesToBeEqual",
            {"column_A": "sisa_anggaran", "column_B": "pagu_dikurangi_realisasi"},
        ),
        (
            "ExpectColumnPairValuesToBeEqual",
            {"column_A": "realisasi_kumulatif", "column_B": "jumlah_triwulan"},
        ),
        # pagu >= realisasi_kumulatif, except on a fact an R003 finding flags (spending
        # made before a perubahan cut the pagu below it is real and published with it).
        (
            "ExpectColumnValuesToBeBetween",
            {"column": "melebihi_pagu_tanpa_r003", "min_value": 0, "max_value": 0},
        ),
    ],
    "capaian_kinerja": [
        (
            "ExpectCompoundColumnsToBeUnique",
            {"column_list": ["triwulan", "level", "kode", "indikator"]},
        ),
        *[
            ("ExpectColumnValuesToNotBeNull", {"column": c})
            for c in ("tahun", "triwulan", "level", "kode", "indikator")
        ],
        (
            "ExpectColumnValuesToBeInSet",
            {
                "column": "predikat",
                "value_set": ["Sangat Tinggi", "Tinggi", "Sedang", "Rendah", "Sangat Rendah"],
            },
        ),
    ],
    "temuan": [
        ("ExpectColumnValuesToBeUnique", {"column": "temuan_id"}),
        *[
            ("ExpectColumnValuesToNotBeNull", {"column": c})
            for c in ("run_id", "aturan", "tingkat", "pesan")
        ],
        ("ExpectColumnValuesToBeInSet", {"column": "aturan", "value_set": sorted(RULES)}),
        (
            "ExpectColumnValuesToBeInSet",
            {"column": "tingkat", "value_set": ["error", "peringatan"]},
        ),
    ],
    "karantina": [
        *[
            ("ExpectColumnValuesToNotBeNull", {"column": c})
            for c in ("berkas", "baris", "status", "isi")
        ],
        (
            "ExpectColumnValuesToBeInSet",
            {"column": "status", "value_set": ["karantina", "ganda", "tak_dikenal"]},
        ),
        ("ExpectColumnValuesToNotBeNull", {"column": "aturan"}),
    ],
    "kode": [
        ("ExpectColumnValuesToBeUnique", {"column": "kode"}),
        ("ExpectColumnValuesToNotBeNull", {"column": "level"}),
    ],
    "target_kinerja": [
        (
            "ExpectCompoundColumnsToBeUnique",
            {"column_list": ["sumber", "tahun_target", "kode", "indikator"]},
        ),
        *[
            ("ExpectColumnValuesToNotBeNull", {"column": c})
            for c in ("sumber", "tahun_target", "kode", "indikator")
        ],
    ],
    "keselarasan": [
        ("ExpectColumnPairValuesToBeEqual", {"column_A": "pagu_realisasi", "column_B": "pagu_dpa"}),
        (
            "ExpectColumnPairValuesToBeEqual",
            {"column_A": "baris_realisasi", "column_B": "baris_dpa"},
        ),
        (
            "ExpectColumnPairValuesToBeEqual",
            {"column_A": "realisasi_kumulatif", "column_B": "jumlah_triwulan"},
        ),
        (
            "ExpectColumnValuesToBeBetween",
            {"column": "karantina_tanpa_temuan", "min_value": 0, "max_value": 0},
        ),
        # serapan_anggaran (the report's sums) and asal_angka (where figures come from)
        (
            "ExpectColumnPairValuesToBeEqual",
            {"column_A": "pagu_serapan", "column_B": "pagu_realisasi"},
        ),
        (
            "ExpectColumnPairValuesToBeEqual",
            {"column_A": "realisasi_serapan", "column_B": "realisasi_kumulatif"},
        ),
        (
            "ExpectColumnValuesToBeBetween",
            {"column": "fakta_tanpa_asal", "min_value": 0, "max_value": 0},
        ),
    ],
}
"""Gate frame name -> the expectations it must meet."""
