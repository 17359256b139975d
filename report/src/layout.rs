//! A small flowing layout for an A4 report: a cursor moving down the page, text wrapped
//! to a width, key-value rows, tables and image grids, and a new page when the next
//! block does not fit. It produces plain drawing items; `draw.rs` turns them into PDF.
//! Coordinates are PDF points from the top-left corner, y growing downwards.

use crate::font::Metrics;

/// A4 in points.
pub const PAGE_W: f32 = 595.28;
/// A4 in points.
pub const PAGE_H: f32 = 841.89;
/// The margin on every side.
pub const MARGIN: f32 = 46.0;
/// Room kept at the bottom of each page for the footer.
const FOOTER: f32 = 28.0;
/// Body text size.
pub const BODY: f32 = 9.5;
/// Line height as a multiple of the size.
const LEADING: f32 = 1.45;

/// An RGB colour.
pub type Rgb = (u8, u8, u8);
/// Body text.
pub const INK: Rgb = (0x1f, 0x23, 0x28);
/// Labels and small print.
pub const MUTED: Rgb = (0x5b, 0x63, 0x6e);
/// Section headings and rules.
pub const ACCENT: Rgb = (0x0b, 0x5c, 0xad);
/// A valid sign-off.
pub const GOOD: Rgb = (0x1a, 0x7f, 0x37);
/// A void sign-off.
pub const BAD: Rgb = (0xb4, 0x23, 0x18);
/// Table header and box fills.
pub const SHADE: Rgb = (0xee, 0xf2, 0xf6);

/// One thing to draw.
#[derive(Debug, Clone)]
pub enum Item {
    /// Text on one line, `y` its baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        color: Rgb,
        text: String,
    },
    /// A filled rectangle.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
    },
    /// A stroked rectangle.
    Frame {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
    },
    /// A horizontal line.
    Rule { x: f32, y: f32, w: f32, color: Rgb },
    /// Image number `image` of the report's list, scaled into the box.
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        image: usize,
    },
    /// The signature's strokes, scaled into the box.
    Signature { x: f32, y: f32, w: f32, h: f32 },
}

/// The pages being laid out.
pub struct Layout {
    /// Finished pages and the current one, last.
    pub pages: Vec<Vec<Item>>,
    /// The cursor: the top of the next block.
    pub y: f32,
    /// Measures text.
    pub metrics: Metrics,
    /// Characters the font has no glyph for, in the order first met.
    pub missing: Vec<char>,
}

impl Layout {
    /// An empty first page.
    pub fn new(metrics: Metrics) -> Self {
        Self {
            pages: vec![Vec::new()],
            y: MARGIN,
            metrics,
            missing: Vec::new(),
        }
    }

    /// The usable width.
    pub fn width() -> f32 {
        PAGE_W - 2.0 * MARGIN
    }

    /// The line height at `size`.
    pub fn line(size: f32) -> f32 {
        size * LEADING
    }

    fn page(&mut self) -> &mut Vec<Item> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Moves to a new page unless `h` points still fit on this one.
    pub fn ensure(&mut self, h: f32) {
        if self.y + h > PAGE_H - MARGIN - FOOTER && self.y > MARGIN + 1.0 {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    /// Adds an item to the current page.
    pub fn push(&mut self, item: Item) {
        self.page().push(item);
    }

    /// One line of text at (`x`, baseline `y`), noting characters without a glyph.
    pub fn text(&mut self, x: f32, y: f32, size: f32, color: Rgb, text: &str) {
        for c in text.chars() {
            if !self.metrics.has(c) && !self.missing.contains(&c) {
                self.missing.push(c);
            }
        }
        self.push(Item::Text {
            x,
            y,
            size,
            color,
            text: text.to_string(),
        });
    }

    /// Right-aligned text ending at `right`.
    pub fn text_right(&mut self, right: f32, y: f32, size: f32, color: Rgb, text: &str) {
        let w = self.metrics.width(text, size);
        self.text(right - w, y, size, color, text);
    }

    /// `text` wrapped to `w` from `x`, starting at the cursor; moves the cursor below it.
    pub fn paragraph(&mut self, x: f32, w: f32, size: f32, color: Rgb, text: &str) {
        let lines = self.metrics.wrap(text, size, w);
        for line in lines {
            self.ensure(Self::line(size));
            let baseline = self.y + size;
            self.text(x, baseline, size, color, &line);
            self.y += Self::line(size);
        }
    }

    /// A section heading with a rule under it.
    pub fn heading(&mut self, text: &str) {
        // Keep the heading with at least a few lines of what follows.
        self.ensure(22.0 + 4.0 * Self::line(BODY));
        self.y += 10.0;
        let size = 12.0;
        self.push(Item::Rect {
            x: MARGIN,
            y: self.y + 1.0,
            w: 3.0,
            h: size + 2.0,
            color: ACCENT,
        });
        self.text(MARGIN + 8.0, self.y + size, size, ACCENT, text);
        self.y += size + 6.0;
        self.push(Item::Rule {
            x: MARGIN,
            y: self.y,
            w: Self::width(),
            color: SHADE,
        });
        self.y += 5.0;
    }

    /// A label and its value; the value wraps beside the label.
    pub fn field(&mut self, label: &str, value: &str) {
        // A label longer than the column pushes its own value to the right.
        let label_w = (self.metrics.width(label, BODY) + 10.0).max(112.0);
        let x = MARGIN + label_w;
        let w = Self::width() - label_w;
        let lines = self.metrics.wrap(value, BODY, w);
        let lines = if lines.is_empty() {
            vec![String::new()]
        } else {
            lines
        };
        self.ensure(Self::line(BODY));
        let mut first = true;
        for line in lines {
            self.ensure(Self::line(BODY));
            let baseline = self.y + BODY;
            if first {
                self.text(MARGIN, baseline, BODY, MUTED, label);
                first = false;
            }
            self.text(x, baseline, BODY, INK, &line);
            self.y += Self::line(BODY);
        }
    }

    /// A table: a shaded header row, then rows whose cells wrap to their column. `widths`
    /// are shares of the full width.
    pub fn table(&mut self, widths: &[f32], header: &[&str], rows: &[Vec<String>]) {
        let total: f32 = widths.iter().sum();
        let cols: Vec<f32> = widths.iter().map(|w| w / total * Self::width()).collect();
        let pad = 4.0;
        let size = BODY - 0.5;
        let header_h = Self::line(size) + 2.0 * pad;
        self.ensure(header_h + Self::line(size) + 2.0 * pad);
        self.table_header(&cols, header, size, pad);
        for row in rows {
            let cells: Vec<Vec<String>> = row
                .iter()
                .zip(&cols)
                .map(|(cell, w)| self.metrics.wrap(cell, size, w - 2.0 * pad))
                .collect();
            let n = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let h = n as f32 * Self::line(size) + 2.0 * pad;
            let before = self.pages.len();
            self.ensure(h);
            if self.pages.len() != before {
                self.table_header(&cols, header, size, pad);
            }
            let mut x = MARGIN;
            for (lines, w) in cells.iter().zip(&cols) {
                for (i, line) in lines.iter().enumerate() {
                    let baseline = self.y + pad + size + i as f32 * Self::line(size);
                    self.text(x + pad, baseline, size, INK, line);
                }
                x += w;
            }
            self.y += h;
            self.push(Item::Rule {
                x: MARGIN,
                y: self.y,
                w: Self::width(),
                color: SHADE,
            });
        }
    }

    fn table_header(&mut self, cols: &[f32], header: &[&str], size: f32, pad: f32) {
        let h = Self::line(size) + 2.0 * pad;
        self.push(Item::Rect {
            x: MARGIN,
            y: self.y,
            w: Self::width(),
            h,
            color: SHADE,
        });
        let mut x = MARGIN;
        for (label, w) in header.iter().zip(cols) {
            let baseline = self.y + pad + size;
            self.text(x + pad, baseline, size, MUTED, label);
            x += w;
        }
        self.y += h;
    }
}
