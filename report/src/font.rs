//! The one font the report is set in, compiled into the binary: a subset of Noto Sans CJK
//! SC (SIL OFL 1.1, `fonts/OFL.txt`) holding Latin, punctuation and every ideograph of
//! the CJK Unified Ideographs block, so a customer's name renders on an offline phone
//! and on a machine without CJK fonts. Also the text measurement the line breaking uses.

use std::collections::HashMap;
use std::sync::OnceLock;

use krilla::text::Font;
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

/// The font file: `fonts/README.md` says how it was cut from Noto Sans CJK.
pub static FONT_BYTES: &[u8] = include_bytes!("../fonts/NotoSansCJKsc-Report.otf");

/// The font as krilla draws it, parsed once per process.
pub fn krilla_font() -> Option<Font> {
    static FONT: OnceLock<Option<Font>> = OnceLock::new();
    FONT.get_or_init(|| Font::new(krilla::Data::from(FONT_BYTES), 0))
        .clone()
}

/// Advance widths by character, in em, read from the font as they are asked for.
pub struct Metrics {
    font: FontRef<'static>,
    upem: f32,
    cache: HashMap<char, Option<f32>>,
}

impl Metrics {
    /// Metrics of [`FONT_BYTES`]; `None` only if the compiled-in font were unreadable.
    pub fn new() -> Option<Self> {
        let font = FontRef::from_index(FONT_BYTES, 0).ok()?;
        let upem = f32::from(
            font.metrics(Size::unscaled(), LocationRef::default())
                .units_per_em,
        );
        Some(Self {
            font,
            upem,
            cache: HashMap::new(),
        })
    }

    /// The advance of `c` in em, or `None` when the font has no glyph for it.
    pub fn advance(&mut self, c: char) -> Option<f32> {
        if let Some(a) = self.cache.get(&c) {
            return *a;
        }
        let a = self.font.charmap().map(c).and_then(|gid| {
            self.font
                .glyph_metrics(Size::unscaled(), LocationRef::default())
                .advance_width(gid)
                .map(|w| w / self.upem)
        });
        self.cache.insert(c, a);
        a
    }

    /// The width of `text` at `size` points. A character without a glyph counts as one
    /// em, the width of the box it will be drawn as.
    pub fn width(&mut self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.advance(c).unwrap_or(1.0))
            .sum::<f32>()
            * size
    }

    /// True when the font has a glyph for `c`.
    pub fn has(&mut self, c: char) -> bool {
        c.is_control() || self.advance(c).is_some()
    }

    /// `text` broken into lines no wider than `max` at `size`: at spaces between words,
    /// anywhere between ideographs (as Chinese is set), inside a word only when the word
    /// alone is too wide. Newlines in the text are kept.
    pub fn wrap(&mut self, text: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            let mut width = 0.0f32;
            // The byte offset in `line` after the last place it may break, and the line's
            // width up to there.
            let mut last_break: Option<(usize, f32)> = None;
            for c in para.chars() {
                let w = self.advance(c).unwrap_or(1.0) * size;
                // A space may hang past the edge: it is trimmed where the line breaks.
                if width + w > max && !line.is_empty() && !c.is_whitespace() {
                    match last_break {
                        Some((at, _)) if at > 0 => {
                            let rest = line.split_off(at);
                            lines.push(line.trim_end().to_string());
                            line = rest.trim_start().to_string();
                        }
                        _ => lines.push(std::mem::take(&mut line)),
                    }
                    width = self.width(&line, size);
                    last_break = None;
                }
                if c.is_whitespace() && line.is_empty() && !lines.is_empty() {
                    continue;
                }
                let breaks_before = is_ideograph(c) && !line.is_empty();
                if breaks_before {
                    last_break = Some((line.len(), width));
                }
                line.push(c);
                width += w;
                if c.is_whitespace() || is_ideograph(c) || c == '/' || c == '-' {
                    last_break = Some((line.len(), width));
                }
            }
            lines.push(line.trim_end().to_string());
        }
        lines
    }
}

/// Characters Chinese text may break before and after.
fn is_ideograph(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xFF00..=0xFFEF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_has_latin_and_chinese_and_no_private_glyphs() {
        let mut m = Metrics::new().expect("the compiled-in font parses");
        for c in "Service report 服务报告 王芳 喆 堃 玥 ¥ 0123456789".chars() {
            assert!(m.has(c), "the report font must have {c:?}");
        }
        assert!(!m.has('\u{E000}'), "a private-use character has no glyph");
    }

    #[test]
    fn chinese_breaks_between_ideographs_and_english_between_words() {
        let mut m = Metrics::new().expect("font");
        let size = 10.0;
        let zh = "上海市浦东新区世纪大道一百号十二楼";
        let max = m.width("上海市浦东", size) + 0.01;
        let lines = m.wrap(zh, size, max);
        assert_eq!(lines[0], "上海市浦东", "five ideographs fit the first line");
        assert_eq!(lines.concat(), zh, "nothing is lost or added");
        let en = "replace brushes and belt";
        let max = m.width("replace brushes", size) + 0.01;
        assert_eq!(m.wrap(en, size, max), vec!["replace brushes", "and belt"]);
        for line in m.wrap(&"x".repeat(200), size, 100.0) {
            assert!(
                m.width(&line, size) <= 100.0,
                "an over-long word is cut to fit"
            );
        }
    }
}
