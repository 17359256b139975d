//! Text files people pick on the desk (a parts catalog exported from a spreadsheet),
//! handed over as their bytes and read here: UTF-8 (with or without a byte-order mark),
//! UTF-16 with its byte-order mark (Excel's "Unicode text"), or else GB18030, the
//! superset of GBK that Chinese Excel and Notepad save in by default. No file I/O.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

/// The text of a file's bytes, or `None` when they are none of the encodings above.
/// UTF-8 is tried first: a UTF-8 file with Chinese in it is almost never also valid GBK
/// by accident the other way round, and valid UTF-8 is what the file most likely is.
pub fn decode(bytes: &[u8]) -> Option<String> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return encoding
            .decode_without_bom_handling_and_without_replacement(&bytes[bom..])
            .map(|text| text.into_owned());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Some(text.to_string());
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| text.into_owned())
}

/// [`decode`] of a file sent over the IPC as base64; `None` when it is not base64 either.
pub fn decode_base64(file: &str) -> Option<String> {
    decode(&B64.decode(file.trim()).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A catalog saved by Chinese Excel: GBK bytes, produced by a GBK encoder outside
    /// this crate (`iconv -t GBK`), not by the decoder under test.
    const GBK_CSV: &[u8] = include_bytes!("../tests/fixtures/catalog-gbk.csv");

    #[test]
    fn a_gbk_file_from_chinese_excel_reads_as_its_chinese_text() {
        assert_eq!(
            GBK_CSV[..2],
            [0xB1, 0xB8],
            "the fixture really is GBK: 备 is B1 B8 there, E5 A4 87 in UTF-8"
        );
        let text = decode(GBK_CSV).unwrap_or_default();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("备件编号,名称,单位,单价,序列号管理,贵重/限量,原厂认证,条形码")
        );
        assert_eq!(
            lines.next(),
            Some("GBK-1,排水泵 Drain pump,个,120.00,是,否,是,6901234599017")
        );
    }

    #[test]
    fn utf8_with_or_without_a_bom_and_utf16_read_as_they_are() {
        let words = "备件编号,名称\nBR-21,排水泵\n";
        assert_eq!(decode(words.as_bytes()).as_deref(), Some(words));
        let bom = [b"\xEF\xBB\xBF".as_slice(), words.as_bytes()].concat();
        assert_eq!(decode(&bom).as_deref(), Some(words), "the mark is dropped");
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(words.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&utf16).as_deref(), Some(words));
    }

    #[test]
    fn bytes_that_are_no_text_are_refused() {
        // 0xFF never starts a GB18030 sequence, and this is not UTF-8 either.
        assert_eq!(decode(&[0x41, 0xFF, 0xFF, 0x42]), None);
        assert_eq!(decode_base64("not base64!"), None);
        assert_eq!(
            decode_base64(&B64.encode("a,b\n")).as_deref(),
            Some("a,b\n")
        );
    }
}
