//! The national industry classification GB/T 4754-2017《国民经济行业分类》, bundled as a code table so that an
//! industry code in a request or in a unit's access list can be checked, named and matched by prefix. The edition is
//! pinned: 2011-edition codes differ for the same industries.

use serde::Serialize;
use std::collections::HashMap;

pub const EDITION: &str = "GB/T 4754-2017";
const TABLE: &str = include_str!("../data/industries/gbt4754_2017.csv");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 门类 (letter)
    Section,
    /// 大类 (2 digits)
    Division,
    /// 中类 (3 digits)
    Group,
    /// 小类 (4 digits)
    Class,
}

#[derive(Debug, Clone, Serialize)]
pub struct Industry {
    pub code: String,
    pub level: Level,
    pub name_zh: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// 门类 letter, e.g. `C` for manufacturing.
    pub section: String,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum IndustryError {
    #[error("industry code {0:?} is not in {EDITION}")]
    Unknown(String),
    #[error("industry code {0:?} is not a code: expected 2–4 digits, optionally after the section letter (e.g. 3011 or C3011)")]
    Malformed(String),
}

#[derive(Debug)]
pub struct IndustryTable {
    by_code: HashMap<String, Industry>,
    ordered: Vec<String>,
}

impl IndustryTable {
    /// The table compiled into the binary from `data/industries/gbt4754_2017.csv`.
    pub fn bundled() -> &'static IndustryTable {
        static TABLE_CELL: std::sync::OnceLock<IndustryTable> = std::sync::OnceLock::new();
        TABLE_CELL.get_or_init(|| IndustryTable::parse(TABLE).expect("bundled GB/T 4754-2017 table is well-formed"))
    }

    pub fn parse(text: &str) -> Result<IndustryTable, String> {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let mut rows: Vec<(String, Level, String, Option<String>, String)> = Vec::new();
        for (i, rec) in reader.records().enumerate() {
            let rec = rec.map_err(|e| format!("row {}: {e}", i + 2))?;
            let get = |n: usize| rec.get(n).unwrap_or("").trim().to_string();
            let level = match get(1).as_str() {
                "section" => Level::Section,
                "division" => Level::Division,
                "group" => Level::Group,
                "class" => Level::Class,
                other => return Err(format!("row {}: unknown level {other:?}", i + 2)),
            };
            let en = Some(get(3)).filter(|s| !s.is_empty());
            rows.push((get(0), level, get(2), en, get(4)));
        }
        let parents: HashMap<String, String> = rows.iter().map(|r| (r.0.clone(), r.4.clone())).collect();
        let section_of = |code: &str| -> String {
            let mut c = code.to_string();
            for _ in 0..5 {
                match parents.get(&c) {
                    Some(p) if !p.is_empty() => c = p.clone(),
                    _ => break,
                }
            }
            c
        };
        let mut by_code = HashMap::new();
        let mut ordered = Vec::new();
        for (code, level, name_zh, name_en, _) in &rows {
            let section = section_of(code);
            ordered.push(code.clone());
            by_code.insert(code.clone(), Industry { code: code.clone(), level: *level, name_zh: name_zh.clone(), name_en: name_en.clone(), section });
        }
        Ok(IndustryTable { by_code, ordered })
    }

    pub fn len(&self) -> usize {
        self.ordered.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ordered.is_empty()
    }

    pub fn get(&self, code: &str) -> Option<&Industry> {
        self.by_code.get(code)
    }

    /// Accepts `3011`, `C3011`, ` 3011 ` and returns the table entry; refuses letters-only or unknown codes.
    pub fn lookup(&self, input: &str) -> Result<&Industry, IndustryError> {
        let code = normalise_code(input)?;
        self.by_code.get(&code).ok_or(IndustryError::Unknown(code))
    }

    /// Entries whose code starts with, or whose Chinese/English name contains, the query (for pickers).
    pub fn search(&self, query: &str, limit: usize) -> Vec<&Industry> {
        let q = query.trim();
        let q_lower = q.to_lowercase();
        self.ordered
            .iter()
            .filter_map(|c| self.by_code.get(c))
            .filter(|i| {
                i.code.starts_with(q)
                    || i.name_zh.contains(q)
                    || i.name_en.as_deref().is_some_and(|en| en.to_lowercase().contains(&q_lower))
            })
            .take(limit)
            .collect()
    }
}

/// Strips whitespace and an optional section letter before digits (`C3011` → `3011`); a bare section letter stays a
/// letter (`C`), which access lists use to mean the whole section.
pub fn normalise_code(input: &str) -> Result<String, IndustryError> {
    let s = input.trim().to_ascii_uppercase();
    let malformed = || IndustryError::Malformed(input.trim().to_string());
    let mut chars = s.chars();
    let digits = match chars.next() {
        Some(c) if c.is_ascii_uppercase() => {
            let rest: String = chars.collect();
            if rest.is_empty() {
                return Ok(s);
            }
            rest
        }
        Some(_) => s.clone(),
        None => return Err(malformed()),
    };
    if (2..=4).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(malformed())
    }
}

/// Does a project's industry fall under a list entry? Entries are code prefixes (`30` = the whole division,
/// `301` = the group, `3011` = the class) or a section letter.
pub fn matches(industry: &Industry, entry: &str) -> bool {
    if entry.chars().all(|c| c.is_ascii_uppercase()) {
        industry.section == entry
    } else {
        industry.code.starts_with(entry)
    }
}

/// Splits a list field as agencies write it: commas, Chinese commas, 、, semicolons or spaces.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(|c: char| matches!(c, ',' | '，' | '、' | ';' | '；') || c.is_whitespace())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_table_has_every_level_of_the_2017_edition() {
        let t = IndustryTable::bundled();
        assert_eq!(t.lookup("3011").map(|i| i.name_zh.as_str()), Ok("水泥制造"));
        assert_eq!(t.lookup("C3216").map(|i| i.name_zh.as_str()), Ok("铝冶炼"));
        assert_eq!(t.lookup("3216").map(|i| i.section.as_str()), Ok("C"));
        assert!(t.get("C").is_some() && t.get("30").is_some() && t.get("301").is_some());
        // 2017-only class: 增材制造装备制造.
        assert!(t.get("3493").is_some());
    }

    #[test]
    fn unknown_and_malformed_codes_are_refused() {
        let t = IndustryTable::bundled();
        assert_eq!(t.lookup("9999").err(), Some(IndustryError::Unknown("9999".into())));
        assert!(matches!(t.lookup("cement"), Err(IndustryError::Malformed(_))));
        assert!(matches!(t.lookup(""), Err(IndustryError::Malformed(_))));
    }

    #[test]
    fn list_entries_match_by_prefix_or_section() {
        let t = IndustryTable::bundled();
        let cement = t.lookup("3011").expect("cement");
        assert!(matches(cement, "30") && matches(cement, "301") && matches(cement, "3011") && matches(cement, "C"));
        assert!(!matches(cement, "3041") && !matches(cement, "D"));
    }

    #[test]
    fn agency_list_separators_are_all_understood() {
        assert_eq!(split_list("3011、3041，2521; 3110 3120"), vec!["3011", "3041", "2521", "3110", "3120"]);
    }
}
