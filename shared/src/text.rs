//! Vietnamese text: the order names sort in, and the folding a search box compares with.
//!
//! **Sorting** ([`compare`], [`SortKey`]) follows the Vietnamese alphabet, as CLDR's `vi`
//! collation and dictionaries do: a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y
//! (f j w z in their Latin places), so "Đoàn" sorts after every "D…" and "Ân" after
//! every "Ăn". Tones are a secondary key (none, huyền, hỏi, ngã, sắc, nặng: CLDR's
//! `̀ << ̉ << ̃ << ́ << ̣`): they only decide between names equal letter for letter.
//! Case is a third key (lower first). Spaces and punctuation sort before digits, digits
//! before letters, and a run of digits compares as a number, so "Phường 2" comes before
//! "Phường 10" (CLDR's `numeric` option; unit names are full of numbers).
//!
//! **Searching** ([`fold`], [`matches`]) ignores tones, the letters' own marks (ă â đ ê ô
//! ơ ư) and case, so "vinh hoa" finds "Đoàn xã Vĩnh Hòa": people type on phones without
//! a Vietnamese keyboard, or with one that puts marks in other places.
//!
//! Input may be precomposed (NFC, what phones send) or decomposed with combining marks
//! (NFD, what some Windows keyboards write); both give the same keys.
//!
//! **Why not ICU4X** (`icu_collator`): it is the complete answer, but the front end ships
//! to cheap phones over thin links and every byte of WebAssembly is downloaded and
//! compiled on the first start. A 2026 build of `icu_collator` 2 with its compiled data
//! for the root and `vi` tailoring, alone in a wasm32 binary (opt-level "z", LTO, wasm-opt
//! -Oz), measured about 520 KB raw and 190 KB brotli (collation tables, the canonical
//! decomposition data the collator needs, and the code): a third of the whole app's
//! first load today, for one language's letter order. These tables are 29 letters and
//! six tones; the cost of that knowledge here is a few kilobytes.

use std::cmp::Ordering;

/// The letters in order. Each entry: the letter and, for vowels, its five toned forms
/// (huyền, hỏi, ngã, sắc, nặng), all lower case.
const ALPHABET: &[&str] = &[
    "aàảãáạ",
    "ăằẳẵắặ",
    "âầẩẫấậ",
    "b",
    "c",
    "d",
    "đ",
    "eèẻẽéẹ",
    "êềểễếệ",
    "f",
    "g",
    "h",
    "iìỉĩíị",
    "j",
    "k",
    "l",
    "m",
    "n",
    "oòỏõóọ",
    "ôồổỗốộ",
    "ơờởỡớợ",
    "p",
    "q",
    "r",
    "s",
    "t",
    "uùủũúụ",
    "ưừửữứự",
    "v",
    "w",
    "x",
    "yỳỷỹýỵ",
    "z",
];

/// The Latin letter each Vietnamese letter folds to for searching.
const FOLDED: &str = "aaabcddeefghijklmnooopqrstuuvwxyz";

/// A letter found in the table: its place in the alphabet and its tone (0 = none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Letter {
    rank: u8,
    tone: u8,
    upper: bool,
}

fn letter(c: char) -> Option<Letter> {
    let lower = c.to_lowercase().next().unwrap_or(c);
    let upper = lower != c;
    for (rank, forms) in ALPHABET.iter().enumerate() {
        if let Some(tone) = forms.chars().position(|f| f == lower) {
            return Some(Letter {
                rank: rank as u8,
                tone: tone as u8,
                upper,
            });
        }
    }
    None
}

/// What a combining mark does to the letter before it (NFD input).
enum Mark {
    /// A tone: 1 huyền … 5 nặng.
    Tone(u8),
    /// Breve, circumflex or horn: ă â ê ô ơ ư from a e o u.
    Shape(char),
    /// Another combining mark: ignored.
    Other,
}

fn mark(c: char) -> Option<Mark> {
    Some(match c {
        '\u{300}' => Mark::Tone(1),
        '\u{309}' => Mark::Tone(2),
        '\u{303}' => Mark::Tone(3),
        '\u{301}' => Mark::Tone(4),
        '\u{323}' => Mark::Tone(5),
        '\u{306}' | '\u{302}' | '\u{31B}' => Mark::Shape(c),
        '\u{300}'..='\u{36F}' => Mark::Other,
        _ => return None,
    })
}

/// `base` with a breve, circumflex or horn, as a letter of the table.
fn shaped(base: Letter, shape: char) -> Letter {
    let plain = ALPHABET[base.rank as usize].chars().next().unwrap_or('a');
    let target = match (plain, shape) {
        ('a', '\u{306}') => 'ă',
        ('a', '\u{302}') => 'â',
        ('e', '\u{302}') => 'ê',
        ('o', '\u{302}') => 'ô',
        ('o', '\u{31B}') => 'ơ',
        ('u', '\u{31B}') => 'ư',
        _ => return base,
    };
    letter(target).map_or(base, |l| Letter {
        tone: base.tone,
        upper: base.upper,
        ..l
    })
}

/// One unit of text as the keys see it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Unit {
    Space,
    Other(char),
    Number(String),
    Letter(Letter),
    /// A letter outside the Vietnamese alphabet (another script): by code point.
    Foreign(char),
}

fn units(text: &str) -> Vec<Unit> {
    let mut out: Vec<Unit> = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(m) = mark(c) {
            if let Some(Unit::Letter(l)) = out.last_mut() {
                match m {
                    Mark::Tone(t) => l.tone = t,
                    Mark::Shape(s) => *l = shaped(*l, s),
                    Mark::Other => {}
                }
            }
            continue;
        }
        if c.is_ascii_digit() {
            let mut digits = String::from(c);
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                digits.push(d);
                chars.next();
            }
            // Leading zeros do not change the number ("03" = "3"); the tertiary key
            // still tells the spellings apart.
            let trimmed = digits.trim_start_matches('0');
            out.push(Unit::Number(if trimmed.is_empty() {
                "0".into()
            } else {
                trimmed.into()
            }));
            continue;
        }
        out.push(if c.is_whitespace() {
            if out.last() == Some(&Unit::Space) {
                continue;
            }
            Unit::Space
        } else if let Some(l) = letter(c) {
            Unit::Letter(l)
        } else if c.is_alphabetic() {
            Unit::Foreign(c.to_lowercase().next().unwrap_or(c))
        } else {
            Unit::Other(c)
        });
    }
    while out.last() == Some(&Unit::Space) {
        out.pop();
    }
    if out.first() == Some(&Unit::Space) {
        out.remove(0);
    }
    out
}

/// The primary weight of a unit: spaces, then punctuation, then numbers, then letters.
fn primary(u: &Unit) -> (u8, u32, &str) {
    match u {
        Unit::Space => (0, 0, ""),
        Unit::Other(c) => (1, *c as u32, ""),
        // Longer digit strings are larger numbers (no leading zeros left).
        Unit::Number(n) => (2, n.len() as u32, n.as_str()),
        Unit::Letter(l) => (3, u32::from(l.rank), ""),
        Unit::Foreign(c) => (4, *c as u32, ""),
    }
}

/// A precomputed sort key: compare keys instead of strings when sorting many names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortKey {
    units: Vec<Unit>,
    original: String,
}

impl SortKey {
    pub fn new(text: &str) -> SortKey {
        SortKey {
            units: units(text),
            original: text.to_owned(),
        }
    }
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (&self.units, &other.units);
        let primary_order = a.iter().map(primary).cmp(b.iter().map(primary));
        let tones = |u: &[Unit]| -> Vec<u8> {
            u.iter()
                .map(|x| match x {
                    Unit::Letter(l) => l.tone,
                    _ => 0,
                })
                .collect()
        };
        let cases = |u: &[Unit]| -> Vec<bool> {
            u.iter()
                .map(|x| matches!(x, Unit::Letter(l) if l.upper))
                .collect()
        };
        primary_order
            .then_with(|| tones(a).cmp(&tones(b)))
            .then_with(|| cases(a).cmp(&cases(b)))
            .then_with(|| self.original.cmp(&other.original))
    }
}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Vietnamese order of two names.
pub fn compare(a: &str, b: &str) -> Ordering {
    SortKey::new(a).cmp(&SortKey::new(b))
}

/// Sorts `items` by the name `name` gives each, in Vietnamese order (each key computed once).
pub fn sort_by_name<T>(items: &mut [T], name: impl Fn(&T) -> &str) {
    items.sort_by_cached_key(|item| SortKey::new(name(item)));
}

/// Sorts people by their full name as Vietnamese lists do (danh sách): by the given name
/// (tên, the last word) first, then the whole name (họ đệm decides between equal given
/// names), each in Vietnamese order: "Nguyễn Thị An" before "Lê Văn Bảo".
pub fn sort_by_person_name<T>(items: &mut [T], name: impl Fn(&T) -> &str) {
    items.sort_by_cached_key(|item| {
        let full = name(item).trim();
        let given = full.rsplit(char::is_whitespace).next().unwrap_or(full);
        (SortKey::new(given), SortKey::new(full))
    });
}

/// `text` as a search compares it: lower case, without tones or letter marks (đ → d,
/// ư → u…), runs of spaces as one.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for unit in units(text) {
        match unit {
            Unit::Space => out.push(' '),
            Unit::Other(c) | Unit::Foreign(c) => out.push(c),
            Unit::Number(n) => out.push_str(&n),
            Unit::Letter(l) => out.push(FOLDED.as_bytes()[l.rank as usize] as char),
        }
    }
    out
}

/// Whether every word of `query` occurs in `text`, folded (an empty query matches all).
pub fn matches(text: &str, query: &str) -> bool {
    let text = fold(text);
    fold(query).split(' ').all(|word| text.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_agree() {
        assert_eq!(ALPHABET.len(), FOLDED.len());
        for (forms, folded) in ALPHABET.iter().zip(FOLDED.chars()) {
            let count = forms.chars().count();
            assert!(count == 1 || count == 6, "{forms}");
            // Each letter folds to the Latin letter it is written on.
            let base = forms.chars().next().expect("letter");
            assert_eq!(fold(&base.to_string()), folded.to_string(), "{forms}");
        }
    }

    /// A list of people is in order of given names (tên), then family and middle names.
    #[test]
    fn people_sort_by_given_name_then_family_name() {
        let expected = [
            "Nguyễn Thị An",
            "Lê Văn Bảo",
            "Phạm Minh Châu",
            "Trần Quốc Dũng",
            "Võ Thị Hạnh",
            "Huỳnh Văn Khoa",
            "Trần Văn Khoa",
            "Đặng Thị Lan",
        ];
        let mut names = expected;
        names.reverse();
        sort_by_person_name(&mut names, |n| n);
        assert_eq!(names, expected);
    }

    /// Each row is a list in its expected order; sorting any order of it gives it back.
    #[test]
    fn names_sort_in_vietnamese_order() {
        let rows: &[&[&str]] = &[
            // Letters of their own come after their base, whatever follows.
            &["Anh", "Ăn", "Ân"],
            &["Dung", "Dương", "Đào", "Đông"],
            &["Em", "Êm"],
            &["Oanh", "Ôn", "Ơn"],
            &["Uyên", "Ưng"],
            // Tones only decide between names equal letter for letter.
            &["ma", "mà", "mả", "mã", "má", "mạ"],
            &["Hòa", "Hoàn"],
            &["Lý", "Ly Ly"],
            // Case comes last, lower first.
            &["an", "An"],
            // Spaces, then digits, then letters; numbers by value.
            &["Ấp 2", "Ấp 10", "Ấp A"],
            &["Phường 1", "Phường 02", "Phường 9", "Phường 11"],
            &["Xã A", "Xã An", "Xã Bình"],
            // Real units of a Kiên Giang district directory.
            &[
                "Chi đoàn ấp Tân Hưng",
                "Chi đoàn ấp Tân Lập",
                "Đoàn trường THPT Vĩnh Hòa",
                "Đoàn xã Mỹ Lâm",
                "Đoàn xã Vĩnh Hòa",
                "Huyện đoàn An Biên",
                "Huyện đoàn Ân Thi",
                "Thành đoàn Rạch Giá",
            ],
        ];
        for expected in rows {
            let mut reversed: Vec<&str> = expected.iter().rev().copied().collect();
            sort_by_name(&mut reversed, |s| s);
            assert_eq!(&reversed, expected);
            let mut rotated: Vec<&str> = expected.to_vec();
            rotated.rotate_left(1);
            rotated.sort_by(|a, b| compare(a, b));
            assert_eq!(&rotated, expected);
        }
    }

    #[test]
    fn decomposed_input_sorts_and_folds_as_precomposed() {
        let rows = [
            ("Vi\u{303}nh Ho\u{300}a", "Vĩnh Hòa"),
            ("Du\u{31B}o\u{31B}\u{300}ng", "Dường"),
            ("a\u{306}\u{301}", "ắ"),
            ("U\u{31B}\u{323}", "Ự"),
        ];
        for (nfd, nfc) in rows {
            assert_eq!(SortKey::new(nfd).units, SortKey::new(nfc).units, "{nfc}");
            assert_eq!(fold(nfd), fold(nfc), "{nfc}");
        }
    }

    #[test]
    fn search_ignores_tones_marks_and_case() {
        let rows: &[(&str, &str, bool)] = &[
            ("Đoàn xã Vĩnh Hòa", "vinh hoa", true),
            ("Đoàn xã Vĩnh Hòa", "VĨNH", true),
            ("Đoàn xã Vĩnh Hòa", "doan", true),
            ("Đoàn xã Vĩnh Hòa", "hoa vinh", true),
            ("Đoàn xã Vĩnh Hòa", "", true),
            ("Đoàn xã Vĩnh Hòa", "   ", true),
            ("Đoàn xã Vĩnh Hòa", "vinh loi", false),
            ("Chi đoàn ấp Tân Hưng", "tan hung", true),
            ("Chi đoàn ấp Tân Hưng", "ap  tân", true),
            ("Phường 02", "phuong 2", true),
            ("Trường THPT Nguyễn Trung Trực", "nguyen truc", true),
        ];
        for (text, query, expected) in rows {
            assert_eq!(matches(text, query), *expected, "{text} / {query}");
        }
        assert_eq!(fold("  Đoàn   Xã  ỨNG Hòa "), "doan xa ung hoa");
    }
}
