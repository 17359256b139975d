//! Full-text search over orders (FTS5 table `order_search`, rowid = `documents.doc_no`):
//! customer name, phone, address, product model, serial and order number.
//!
//! Chinese has no spaces and names are often two characters, below what an FTS5 trigram
//! index can find. So text is normalised before indexing: every CJK character becomes
//! its own token for the `unicode61` tokenizer, and a query's CJK run becomes a phrase of
//! those characters (adjacent, in order). Latin words and numbers are ordinary tokens
//! matched by prefix; for phones, serials, models and order numbers the `extra` column
//! also holds every suffix (and the punctuation-free form), so the last digits of a phone
//! or the middle of a serial are found too.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Doing, StoreError};
use crate::store::orders::OrderRow;

/// Whether `c` is written without spaces between words (CJK ideographs, kana, hangul).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // hiragana, katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // hangul syllables
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0x20000..=0x3134F  // CJK extensions B–G
    )
}

/// Folds full-width ASCII (`１３８`, `ＡＢ`) to ASCII, as Chinese input methods type it.
fn fold(c: char) -> char {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    }
}

/// Splits text into tokens: each CJK character alone, runs of other letters and digits
/// together (lower-cased), everything else a separator.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars().map(fold) {
        if is_cjk(c) {
            if !word.is_empty() {
                out.push(Token::Word(std::mem::take(&mut word)));
            }
            out.push(Token::Cjk(c));
        } else if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if !word.is_empty() {
            out.push(Token::Word(std::mem::take(&mut word)));
        }
    }
    if !word.is_empty() {
        out.push(Token::Word(word));
    }
    out
}

/// One search token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// A single CJK character.
    Cjk(char),
    /// A run of letters or digits, lower-cased.
    Word(String),
}

/// The indexed form of free text: tokens separated by spaces.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for token in tokens(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        match token {
            Token::Cjk(c) => out.push(c),
            Token::Word(w) => out.push_str(&w),
        }
    }
    out
}

/// Suffixes of the codes in `text` (and of its letters and digits run together), so a
/// prefix query finds any substring of at least two characters.
fn suffixes(text: &str, out: &mut String) {
    let words: Vec<String> = tokens(text)
        .into_iter()
        .filter_map(|t| match t {
            Token::Word(w) => Some(w),
            Token::Cjk(_) => None,
        })
        .collect();
    let joined: String = words.concat();
    let mut push = |s: &str| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(s);
    };
    if words.len() > 1 {
        push(&joined);
    }
    let mut seen_joined = false;
    for word in words.iter().chain(std::iter::once(&joined)) {
        if word == &joined {
            if seen_joined {
                continue;
            }
            seen_joined = true;
        }
        let chars: Vec<(usize, char)> = word.char_indices().collect();
        if chars.len() > 64 {
            continue;
        }
        for &(i, _) in chars.iter().skip(1) {
            if word[i..].chars().count() >= 2 {
                push(&word[i..]);
            }
        }
    }
}

/// The `body` and `extra` columns for an order.
pub fn document_text(row: &OrderRow) -> (String, String) {
    let body = [
        row.number.as_str(),
        &row.customer_name,
        &row.phone,
        &row.address,
        &row.product_model,
        &row.serial,
    ]
    .iter()
    .map(|f| normalise(f))
    .filter(|f| !f.is_empty())
    .collect::<Vec<_>>()
    .join(" ");
    let mut extra = String::new();
    for code in [&row.phone, &row.serial, &row.number, &row.product_model] {
        suffixes(code, &mut extra);
    }
    (body, extra)
}

/// Turns what the user typed into an FTS5 query: each CJK run a phrase, each other
/// word a prefix term, all of them required. `None` if nothing searchable remains.
pub fn fts_query(text: &str) -> Option<String> {
    let mut terms: Vec<String> = Vec::new();
    let mut run = String::new();
    let flush = |run: &mut String, terms: &mut Vec<String>| {
        if !run.is_empty() {
            terms.push(format!("\"{}\"", run.trim_end()));
            run.clear();
        }
    };
    for token in tokens(text) {
        match token {
            Token::Cjk(c) => {
                run.push(c);
                run.push(' ');
            }
            Token::Word(w) => {
                flush(&mut run, &mut terms);
                // Words hold only letters and digits, so no quote needs escaping.
                terms.push(format!("\"{w}\"*"));
            }
        }
    }
    flush(&mut run, &mut terms);
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// Writes (or rewrites) an order's search row.
pub fn upsert(conn: &Connection, doc_no: i64, row: &OrderRow) -> Result<(), StoreError> {
    let (body, extra) = document_text(row);
    // Most edits (a contact logged, a step recorded) leave the searchable text as it
    // was; rewriting an FTS row costs more than comparing it.
    let current: Option<(String, String)> = conn
        .prepare_cached("SELECT body, extra FROM order_search WHERE rowid = ?1")
        .and_then(|mut stmt| {
            stmt.query_row([doc_no], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .doing(|| format!("reading the search row of order {}", row.order_id))?;
    if current.as_ref() == Some(&(body.clone(), extra.clone())) {
        return Ok(());
    }
    delete(conn, doc_no)?;
    conn.prepare_cached("INSERT INTO order_search (rowid, body, extra) VALUES (?1, ?2, ?3)")
        .and_then(|mut stmt| stmt.execute(params![doc_no, body, extra]))
        .doing(|| format!("indexing order {} for search", row.order_id))?;
    Ok(())
}

/// Removes an order's search row.
pub fn delete(conn: &Connection, doc_no: i64) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM order_search WHERE rowid = ?1")
        .and_then(|mut stmt| stmt.execute([doc_no]))
        .doing(|| format!("removing search row {doc_no}"))?;
    Ok(())
}

/// Every search row as `(rowid, body, extra)`, for comparing a rebuild.
pub fn all(conn: &Connection) -> Result<Vec<(i64, String, String)>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT rowid, body, extra FROM order_search ORDER BY rowid")
        .doing(|| "reading the search index".into())?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .doing(|| "reading the search index".into())?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_chinese_character_is_its_own_token() {
        assert_eq!(normalise("张伟 北京市朝阳区"), "张 伟 北 京 市 朝 阳 区");
        assert_eq!(normalise("Haier-BCD 215"), "haier bcd 215");
        assert_eq!(normalise("１３８ ＡＢ"), "138 ab");
    }

    #[test]
    fn a_chinese_query_is_a_phrase_and_words_are_prefixes() {
        assert_eq!(fts_query("张伟").as_deref(), Some("\"张 伟\""));
        assert_eq!(
            fts_query("朝阳 5678").as_deref(),
            Some("\"朝 阳\" \"5678\"*")
        );
        assert_eq!(fts_query("\"; DROP"), Some("\"drop\"*".into()));
        assert_eq!(fts_query(" -- "), None);
    }

    #[test]
    fn suffixes_cover_the_tail_of_a_phone_written_with_dashes() {
        let mut out = String::new();
        suffixes("138-1234-5678", &mut out);
        let words: Vec<&str> = out.split(' ').collect();
        assert!(words.contains(&"13812345678"), "{out}");
        assert!(words.contains(&"5678"), "{out}");
        assert!(words.contains(&"2345678"), "{out}");
    }
}
