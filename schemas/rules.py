"""The rule catalogue: every finding names one of these codes (DATA-CONTRACT.md section 2).

Codes and levels are promised to stewards and analysts and never change meaning. Each
rule carries its message in Bahasa Indonesia: `pesan` says what is wrong (placeholders
are filled from the finding's columns) and `saran` says how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from schemas.types import MEASURE_DIGITS, MONEY_DIGITS, grouped

Tingkat = Literal["error", "peringatan"]

ERROR: Tingkat = "error"
PERINGATAN: Tingkat = "peringatan"


@dataclass(frozen=True)
class Rule:
    """One validation or reconciliation rule: code, level, and its message to the steward."""

    kode: str
    tingkat: Tingkat
    judul: str
    pesan: str
    saran: str


_RULES = (
    Rule(
        "V001",
        ERROR,
        "berkas atau lembar tidak terbaca / tidak dikenali",
        "{keterangan}",
        "Simpan ulang dari aplikasi asalnya sebagai .xlsx atau .csv dengan satu baris judul "
        "kolom (tabel keuangan: Kode Sub Kegiatan, Uraian, Kode Rekening atau Jenis Belanja, "
        "Realisasi; tabel kinerja: Kode, Indikator, Satuan, Target, Realisasi), lalu kirim "
        "kembali.",
    ),
    Rule(
        "V002",
        ERROR,
        "kode sub kegiatan tidak sah",
        "{keterangan}",
        "Tulis kode lengkap sesuai nomenklatur Kepmendagri 050-5889/2021 dan DPA, "
        "mis. 2.17.01.1.01.01 (enam bagian dipisah titik, tanpa spasi).",
    ),
    Rule(
        "V003",
        ERROR,
        "angka tidak dapat dibaca",
        "{keterangan}",
        "Tulis angka saja, mis. 1234567, 1.234.567 atau 1.234.567,50 (paling banyak dua "
        "angka desimal untuk rupiah); negatif dalam kurung (1.875.900); '-' untuk nol.",
    ),
    Rule(
        "V004",
        ERROR,
        "realisasi negatif",
        "{keterangan}",
        "Realisasi tidak boleh negatif. Jika ada pengembalian belanja, kurangkan pada "
        "realisasi triwulan yang sama dan tulis nilai bersihnya.",
    ),
    Rule(
        "V005",
        ERROR,
        "jenis belanja tidak dikenal",
        "{keterangan}",
        "Isi Jenis Belanja dengan 'Belanja Operasi' atau 'Belanja Modal', atau Kode Rekening "
        "yang diawali 5.1 (operasi) atau 5.2 (modal), dan pastikan keduanya tidak bertentangan.",
    ),
    Rule(
        "V006",
        ERROR,
        "data ganda dalam kiriman triwulan ini",
        "{keterangan}",
        "Kirim satu baris saja untuk setiap sub kegiatan dan kode rekening (atau jenis "
        "belanja); hapus salinan berkas atau baris yang berulang.",
    ),
    Rule(
        "V007",
        ERROR,
        "realisasi fisik di luar 0-100",
        "{keterangan}",
        "Tulis realisasi fisik kumulatif sebagai persen antara 0 dan 100, mis. 75 atau 75,5.",
    ),
    Rule(
        "V008",
        PERINGATAN,
        "baris jumlah tidak sama dengan rinciannya",
        "{keterangan}",
        "Perbaiki angka pada baris jumlah atau rinciannya. Baris jumlah tidak dipakai "
        "sebagai data; angka rincian yang dipakai.",
    ),
    Rule(
        "R001",
        ERROR,
        "sub kegiatan tidak ada di DPA",
        "sub kegiatan {kode} tidak ada di DPA versi {keterangan}",
        "Periksa kode terhadap DPA yang berlaku; jika kode benar, minta pengelola data "
        "memperbarui referensi DPA.",
    ),
    Rule(
        "R002",
        ERROR,
        "sub kegiatan atau indikator milik bidang lain",
        "{keterangan}",
        "Laporkan hanya sub kegiatan dari program bidang Anda; realisasi ini harus dikirim "
        "oleh bidang pemiliknya.",
    ),
    Rule(
        "R003",
        ERROR,
        "realisasi kumulatif melebihi pagu",
        "{keterangan} melebihi pagu {nilai_diharapkan} (lebih {selisih})",
        "Periksa angka realisasi triwulan ini dan sebelumnya terhadap pagu DPA yang berlaku.",
    ),
    Rule(
        "R004",
        PERINGATAN,
        "anggaran berbeda dengan pagu DPA",
        "{keterangan} {nilai}, pagu DPA {nilai_diharapkan} (selisih {selisih})",
        "Salin pagu dari DPA yang berlaku pada akhir triwulan; pagu DPA yang dipakai.",
    ),
    Rule(
        "R005",
        PERINGATAN,
        "realisasi kumulatif tidak sama dengan jumlah triwulan",
        "{keterangan} {nilai}, jumlah realisasi triwulan sampai triwulan ini "
        "{nilai_diharapkan} (selisih {selisih})",
        "Realisasi kumulatif harus sama dengan jumlah realisasi triwulan I sampai triwulan ini; "
        "jumlah triwulan yang dipakai.",
    ),
    Rule(
        "R006",
        PERINGATAN,
        "bidang tidak mengirim data",
        "bidang {kode_bidang} tidak mengirim berkas untuk triwulan {triwulan}",
        "Kirim berkas realisasi keuangan dan kinerja triwulan ini ke folder bidang. Sampai "
        "itu, realisasi triwulan ini diambil dari realisasi s.d. triwulan yang dinyatakan pada "
        "triwulan berikutnya, bila ada (kolom kelengkapan: dari_kumulatif).",
    ),
    Rule(
        "R007",
        ERROR,
        "baris jumlah DPA tidak sama dengan rinciannya",
        "pagu {kode} tertulis {nilai}, jumlah rinciannya {nilai_diharapkan} (selisih {selisih})",
        "Perbaiki referensi DPA agar baris program/kegiatan sama dengan jumlah sub kegiatannya.",
    ),
    Rule(
        "R008",
        ERROR,
        "kode DPA tidak konsisten",
        "{keterangan}",
        "Perbaiki referensi DPA/hierarki: satu kode hanya untuk satu uraian, dan setiap kode "
        "berada di bawah kode induk yang menjadi awalannya.",
    ),
    Rule(
        "R009",
        PERINGATAN,
        "indikator tidak sesuai Perjanjian Kinerja",
        "{keterangan}",
        "Gunakan nama indikator dan target persis seperti dalam Perjanjian Kinerja "
        "(indikator.csv).",
    ),
    Rule(
        "R010",
        ERROR,
        "belanja pada jenis belanja tanpa pagu",
        "sub kegiatan {kode} tidak mempunyai pagu belanja {jenis_belanja} di DPA versi "
        "{keterangan}",
        "Periksa jenis belanja / kode rekening baris ini terhadap DPA.",
    ),
)

RULES: dict[str, Rule] = {r.kode: r for r in _RULES}


def aturan(kode: str) -> Rule:
    """Rule code -> its catalogue entry (KeyError names the unknown code)."""
    try:
        return RULES[kode]
    except KeyError:
        raise KeyError(f"unknown rule code {kode!r}") from None


# What a steward reads for each named check of the pandera models in schemas/inputs.py
# (and for pandera's own "not_nullable" check on a column): the rule it belongs to and
# the text of its `keterangan`. Placeholders are columns of the failing row; {nilai} is
# the cell as the bidang wrote it.
CEK: dict[str, tuple[str, str]] = {
    "V001:rusak": ("V001", "berkas tidak dapat dibaca: {sebab}"),
    "V001:kosong": ("V001", "berkas tidak berisi data"),
    "V001:tak_dikenal": (
        "V001",
        "{wadah} ini tidak dikenali sebagai tabel keuangan maupun kinerja: tidak ada baris "
        "judul kolom (mis. Kode Sub Kegiatan, Realisasi, Indikator) di {batas} baris teratas",
    ),
    # A row that names some columns of a table but not the ones that make it one.
    "V001:judul_kurang": (
        "V001",
        "{wadah} ini tidak dikenali sebagai tabel {jenis_tabel}: baris judul kolom ditemukan "
        "di baris {baris_judul} ({kolom_ada}), tetapi kolom wajib ini tidak ada: "
        "{kolom_kurang}",
    ),
    "V001:kolom_kurang": (
        "V001",
        "tabel {jenis_tabel} di {wadah} ini tidak mempunyai kolom wajib: {kolom_kurang} "
        "(baris judul kolom di baris {baris_judul}: {kolom_ada})",
    ),
    "V001:kolom_ganda": (
        "V001",
        "kolom {kolom_ganda} muncul lebih dari sekali pada baris judul (baris {baris_judul})",
    ),
    "V001:lokasi": (
        "V001",
        "berkas tidak berada langsung di folder raw/<tahun>/TW<triwulan>/<kode_bidang>/ "
        "sehingga tidak diketahui milik bidang dan triwulan mana; berkas tidak dibaca",
    ),
    "V001:opd": (
        "V001",
        "folder kantor ini tidak tercantum di referensi/opd.csv; berkas di dalamnya tidak dibaca",
    ),
    "V001:bidang": (
        "V001",
        "folder bidang '{kode_bidang}' tidak terdaftar di referensi bidang.csv; berkas tidak "
        "dibaca",
    ),
    # Issue 9: inputs refused before they are read (schemas/limits.py, flows/raw_folder.py).
    "V001:batas": ("V001", "{sebab}; tidak dibaca"),
    "V001:ditolak": ("V001", "{sebab}; tidak dibaca dan tidak disalin ke mana pun"),
    "V002": ("V002", "kode '{nilai}' bukan kode sub kegiatan yang sah"),
    "not_nullable:kode_sub_kegiatan": (
        "V002",
        "baris berisi angka tetapi kode sub kegiatan kosong",
    ),
    "V002:kinerja": (
        "V002",
        "kode '{nilai}' bukan kode program/kegiatan/sub kegiatan atau kode sasaran yang sah",
    ),
    "not_nullable:kode": ("V002", "indikator '{indikator}' tidak mempunyai kode"),
    "V002:referensi": ("V002", "kode '{nilai}' tidak sah"),
    "not_nullable": ("V002", "kolom {kolom} kosong, padahal baris ini berisi data"),
    "V003": ("V003", "nilai '{nilai}' tidak dapat dibaca sebagai angka"),
    "V003:target": ("V003", "target '{nilai}' bukan angka atau rentang seperti 70-80"),
    "V003:lebar": (
        "V003",
        "baris CSV ini tidak dapat dipisah menjadi kolom dengan pasti (tanda kutip tidak "
        "berpasangan, atau angka berkoma tanpa tanda kutip sehingga kolomnya lebih banyak "
        "dari judul), sehingga angkanya tidak dapat dibaca dengan pasti",
    ),
    "V003:versi": ("V003", "versi DPA '{nilai}' tidak dikenal (murni atau perubahan)"),
    "V003:level": ("V003", "level '{nilai}' tidak dikenal"),
    "V003:polaritas": (
        "V003",
        "polaritas '{nilai}' tidak dikenal (positif, negatif atau rentang)",
    ),
    "V003:negatif": ("V003", "pagu bernilai negatif ({nilai})"),
    "V003:tanggal": ("V003", "tanggal '{nilai}' tidak dapat dibaca (tulis 2023-10-01)"),
    "V003:tahun": ("V003", "tahun '{nilai}' tidak dapat dibaca"),
    "V003:nip": ("V003", "NIP '{nilai}' bukan 18 angka"),
    "V004": ("V004", "realisasi bernilai negatif ({nilai})"),
    "V005:rekening": (
        "V005",
        "kode rekening '{nilai}' tidak diawali 5.1 (belanja operasi) atau 5.2 (belanja modal)",
    ),
    "V005:jenis": ("V005", "jenis belanja '{nilai}' tidak dikenal"),
    "V005:bertentangan": (
        "V005",
        "kode rekening {kode_rekening} adalah belanja {jenis_rekening}, tetapi jenis belanja "
        "tertulis '{nilai}'",
    ),
    "V005:kosong": (
        "V005",
        "jenis belanja tidak diketahui: kode rekening dan jenis belanja kosong",
    ),
    "V005:dpa_kosong": ("V005", "baris sub kegiatan DPA tanpa jenis belanja"),
    "V006:berbeda": (
        "V006",
        "{kunci} dikirim lebih dari sekali dengan angka berbeda: {angka_berbeda} (juga di "
        "{lokasi_lain}); semua barisnya ditahan sampai diperbaiki",
    ),
    "V006:sama": (
        "V006",
        "baris ini sama persis dengan {lokasi_lain} ({kunci}); dihitung sekali",
    ),
    "V006:campur": (
        "V006",
        "{kunci} dilaporkan per kode rekening dan sekaligus per jenis belanja (juga di "
        "{lokasi_lain}); semua barisnya ditahan agar tidak terhitung dua kali",
    ),
    "V007": ("V007", "realisasi fisik {nilai}% di luar rentang 0-100"),
    "V008": (
        "V008",
        "{uraian_jumlah} tertulis {nilai}, padahal jumlah rinciannya {nilai_diharapkan} "
        "(selisih {selisih})",
    ),
    "V008:tak_terbaca": (
        "V008",
        "{uraian_jumlah} tertulis '{nilai}' yang tidak dapat dibaca; jumlah rinciannya "
        "{nilai_diharapkan}",
    ),
    # Edge inputs (issue 8): values too large for their column, an indicator reported by
    # two bidang, a DPA row dated unlike the rest of its version.
    "V003:rupiah_besar": (
        "V003",
        f"nilai '{{nilai}}' terlalu besar untuk jumlah rupiah: yang dapat dibaca hanya di "
        f"bawah Rp {grouped(10**MONEY_DIGITS)}",
    ),
    "V003:angka_besar": (
        "V003",
        f"nilai '{{nilai}}' terlalu besar untuk dibaca sebagai angka: yang dapat dibaca hanya "
        f"di bawah {grouped(10**MEASURE_DIGITS)}",
    ),
    "V003:capaian": (
        "V003",
        "realisasi '{nilai}' terhadap target {target_dipakai} memberi capaian "
        "{capaian_teks}%, terlalu besar untuk kolom capaian (harus di bawah {batas}%); "
        "baris ini ditahan",
    ),
    "R002:indikator": (
        "R002",
        "indikator '{nilai}' milik bidang {pemilik} menurut indikator.csv, bukan bidang "
        "{kode_bidang}{dipakai}; baris ini ditahan",
    ),
    "V006:bidang_lain": (
        "V006",
        "indikator {kode} '{nilai}' pada triwulan ini juga dilaporkan oleh {lokasi_lain}, "
        "padahal indikator.csv tidak menetapkan bidang pemiliknya; semua laporannya ditahan "
        "sampai hanya satu bidang yang mengirim",
    ),
    "R008:tanggal": (
        "R008",
        "{uraian_baris} versi {versi} bertanggal berlaku '{nilai}', padahal {jumlah_sama} baris "
        "lain versi {versi} bertanggal {nilai_diharapkan}; tanggal {nilai_diharapkan} yang "
        "dipakai untuk seluruh versi {versi}, pagu baris ini tetap dipakai",
    ),
}


# How to fix it, where a check needs other advice than its rule's `saran`.
SARAN: dict[str, str] = {
    "V001:judul_kurang": (
        "Tambahkan kolom yang disebut pada baris judul kolom itu, atau tulis judulnya dengan "
        "ejaan yang dikenal (mis. 'Realisasi Triwulan Ini', 'Realisasi TW' atau 'Realisasi' "
        "untuk realisasi triwulan), lalu kirim kembali."
    ),
    "V001:kolom_kurang": (
        "Tambahkan kolom yang disebut pada baris judul kolom itu, atau tulis judulnya dengan "
        "ejaan yang dikenal (mis. 'Uraian' atau 'Nama Sub Kegiatan'), lalu kirim kembali."
    ),
    "V001:batas": (
        "Perkecil berkas atau lembar ini sampai di bawah batas itu: hapus isi di luar tabel "
        "realisasi (baris, kolom atau sel yang tidak dipakai), perpendek sel yang terlalu "
        "panjang, atau pecah data menjadi beberapa berkas; simpan ulang lalu kirim kembali."
    ),
    "V001:opd": (
        "Tambahkan kantor ini (kode_opd sama dengan nama foldernya) ke referensi/opd.csv, atau "
        "pindahkan folder ini bila bukan folder kantor, lalu jalankan ulang."
    ),
    "V001:ditolak": (
        "Ganti entri ini dengan berkas .xlsx atau .csv biasa yang dapat dibaca (bukan tautan/"
        "symlink ke luar folder raw, pipa, perangkat atau folder) langsung di folder "
        "raw/<tahun>/TW<triwulan>/<kode_bidang>/, lalu jalankan ulang."
    ),
    "V003:target": "Tulis target sebagai angka (25 atau 0,354) atau rentang (70-80).",
    "V003:lebar": (
        "Simpan ulang berkas dari Excel sebagai CSV, atau beri tanda kutip pada sel yang "
        "berisi pemisah kolom atau tanda kutip."
    ),
    "V003:versi": "Tulis versi DPA sebagai 'murni' atau 'perubahan'.",
    "V003:level": "Gunakan level yang dikenal, mis. program, kegiatan, sub_kegiatan, sasaran.",
    "V003:polaritas": "Tulis polaritas sebagai 'positif', 'negatif' atau 'rentang'.",
    "V003:negatif": "Pagu DPA tidak boleh negatif; salin pagu dari dokumen DPA yang sah.",
    "V003:tanggal": "Tulis tanggal berlaku dalam bentuk tahun-bulan-tanggal, mis. 2023-10-01.",
    "V003:tahun": "Tulis tahun anggaran dengan empat angka, mis. 2023.",
    "V003:nip": "Tulis NIP kepala perangkat daerah 18 angka tanpa tanda baca, atau kosongkan.",
    "V005:dpa_kosong": "Isi jenis_belanja setiap baris sub kegiatan DPA dengan operasi atau modal.",
    "V003:rupiah_besar": (
        "Periksa angka ini: kemungkinan ada digit berlebih atau dua angka tergabung. Tulis "
        "jumlah rupiah yang sebenarnya, mis. 1.234.567 atau 1.234.567,50."
    ),
    "V003:angka_besar": (
        "Periksa angka ini: kemungkinan ada digit berlebih. Tulis realisasi dalam satuan "
        "indikatornya, mis. 25, 80% atau 0,354."
    ),
    "V003:capaian": (
        "Periksa realisasi dan targetnya: kemungkinan realisasi ditulis dalam satuan lain "
        "(mis. rupiah atau jumlah, bukan persen) atau ada digit berlebih."
    ),
    "R002:indikator": (
        "Laporkan hanya indikator bidang Anda (kode_bidang di indikator.csv) dan hapus baris "
        "ini dari berkas Anda; jika bidang pemiliknya salah, minta pengelola data memperbaiki "
        "indikator.csv."
    ),
    "V006:bidang_lain": (
        "Sepakati satu bidang yang melaporkan indikator ini, hapus barisnya dari berkas bidang "
        "lain, dan isi kode_bidang indikator ini di indikator.csv."
    ),
    "R008:tanggal": (
        "Samakan tanggal_berlaku semua baris satu versi DPA dengan tanggal berlaku dokumen DPA "
        "versi itu (mis. 2023-10-01 untuk DPA perubahan)."
    ),
}
