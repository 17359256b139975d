//! Whether a photo file is all there before it is decoded. The JPEG decoder fills a
//! file cut short with grey and reports success, so a photo that stopped arriving half
//! way (a failed copy, a dropped share from another app) would be stored as if good.
//! Walking the file's own structure to its end marker finds that without decoding.

/// What the first bytes say a photo file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    /// HEIC or HEIF, an iPhone's default: not decodable here.
    Heif,
    Other,
}

/// The file's kind, from its signature.
pub fn kind(bytes: &[u8]) -> Kind {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Kind::Jpeg
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Kind::Png
    } else if bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && matches!(
            &bytes[8..12],
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1"
        )
    {
        Kind::Heif
    } else {
        Kind::Other
    }
}

/// Whether a JPEG reaches its end-of-image marker: its segments are walked, and each
/// scan's entropy-coded data is skipped up to the next real marker (a 0xFF not
/// followed by a stuffed zero or a restart marker). Progressive files have several
/// scans; bytes after the end marker (some phones append a second image) are allowed.
pub fn jpeg_is_whole(bytes: &[u8]) -> bool {
    let mut i = 2; // after SOI
    loop {
        // Fill bytes (0xFF) may precede a marker.
        while bytes.get(i) == Some(&0xFF) && bytes.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(i), bytes.get(i + 1)) else {
            return false;
        };
        i += 2;
        match marker {
            0xD9 => return true,
            0x01 | 0xD0..=0xD7 => continue, // markers without a length
            _ => {}
        }
        let Some(len) = bytes
            .get(i..i + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
        else {
            return false;
        };
        if len < 2 || i + len > bytes.len() {
            return false;
        }
        i += len;
        if marker == 0xDA {
            // Entropy-coded data runs to the next marker that is not a stuffed byte or
            // a restart.
            loop {
                match (bytes.get(i), bytes.get(i + 1)) {
                    (Some(&0xFF), Some(&next)) if next == 0x00 || (0xD0..=0xD7).contains(&next) => {
                        i += 2
                    }
                    (Some(&0xFF), Some(_)) => break,
                    (Some(_), _) => i += 1,
                    (None, _) => return false,
                }
            }
        }
    }
}

/// Whether a PNG reaches its `IEND` chunk, each chunk's length within the file.
pub fn png_is_whole(bytes: &[u8]) -> bool {
    let mut i = 8; // after the signature
    while let Some(head) = bytes.get(i..i + 8) {
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let Some(end) = i.checked_add(12).and_then(|e| e.checked_add(len)) else {
            return false;
        };
        if end > bytes.len() {
            return false;
        }
        if &head[4..8] == b"IEND" {
            return true;
        }
        i = end;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::jpeg::JpegEncoder;
    use image::codecs::png::PngEncoder;
    use image::{ImageEncoder, Rgb, RgbImage};

    fn picture() -> RgbImage {
        RgbImage::from_fn(640, 480, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 90]))
    }

    fn jpeg() -> Vec<u8> {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 85)
            .encode_image(&picture())
            .expect("encoding a test JPEG");
        out
    }

    /// Where the first scan's entropy-coded data starts.
    fn scan_data_start(jpeg: &[u8]) -> usize {
        let sos = jpeg
            .windows(2)
            .position(|w| w == [0xFF, 0xDA])
            .expect("a scan");
        sos + 2 + usize::from(u16::from_be_bytes([jpeg[sos + 2], jpeg[sos + 3]]))
    }

    #[test]
    fn a_whole_jpeg_is_whole_and_one_cut_anywhere_is_not() {
        let full = jpeg();
        assert!(jpeg_is_whole(&full));
        let mut trailing = full.clone();
        trailing.extend_from_slice(b"a second image some phones append");
        assert!(
            jpeg_is_whole(&trailing),
            "bytes after the end marker are allowed"
        );
        let data = scan_data_start(&full);
        for cut in [
            full.len() / 2,
            full.len() * 9 / 10,
            data + 16,
            full.len() - 2,
            3,
        ] {
            assert!(
                !jpeg_is_whole(&full[..cut]),
                "cut at {cut} of {}",
                full.len()
            );
        }
    }

    #[test]
    fn a_whole_png_is_whole_and_one_cut_short_is_not() {
        let img = picture();
        let mut full = Vec::new();
        PngEncoder::new(&mut full)
            .write_image(img.as_raw(), 640, 480, image::ExtendedColorType::Rgb8)
            .expect("encoding a test PNG");
        assert!(png_is_whole(&full));
        for cut in [full.len() / 2, full.len() - 1, 20] {
            assert!(!png_is_whole(&full[..cut]), "cut at {cut}");
        }
    }

    #[test]
    fn an_iphone_heic_is_recognised() {
        let mut heic = vec![0, 0, 0, 24];
        heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
        assert_eq!(kind(&heic), Kind::Heif);
        assert_eq!(kind(&jpeg()), Kind::Jpeg);
        assert_eq!(kind(b"GIF89a......"), Kind::Other);
    }
}
