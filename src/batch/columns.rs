//! Which column of a site table is what: the aliases of `data/batch/columns.toml` (Chinese and English), compared in
//! the vertex tables' header form ([`crate::upload::table::normalise`], plus hyphens removed), and any column named
//! like a rulebook fact.

use crate::rules::Rulebook;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const ALIASES: &str = include_str!("../../data/batch/columns.toml");

/// What a column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Name,
    Lon,
    Lat,
    X,
    Y,
    Crs,
    Geometry,
    /// A rulebook fact (`industry`, `nature`, `linear_infrastructure`, …).
    Fact(String),
}

fn key(h: &str) -> String {
    crate::upload::table::normalise(h).replace('-', "")
}

/// alias (normalised) → role name, from the TOML.
fn aliases() -> &'static BTreeMap<String, String> {
    static MAP: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    MAP.get_or_init(|| {
        // The file is compiled in and checked by a unit test, so a parse failure cannot reach users.
        let table: BTreeMap<String, Vec<String>> = toml::from_str(ALIASES).unwrap_or_default();
        let mut out = BTreeMap::new();
        for (role, names) in table {
            for n in names {
                out.entry(key(&n)).or_insert_with(|| role.clone());
            }
            out.entry(key(&role)).or_insert_with(|| role.clone());
        }
        out
    })
}

/// The role of a column header, if any. Fact names of the rulebook are matched too.
pub fn role(header: &str, rulebook: &Rulebook) -> Option<Role> {
    let k = key(header);
    let named = aliases().get(&k).cloned().or_else(|| rulebook.facts.contains_key(&k).then(|| k.clone()))
        .or_else(|| rulebook.facts.keys().find(|f| key(f) == k).cloned())?;
    Some(match named.as_str() {
        "name" => Role::Name,
        "lon" => Role::Lon,
        "lat" => Role::Lat,
        "x" => Role::X,
        "y" => Role::Y,
        "crs" => Role::Crs,
        "geometry" => Role::Geometry,
        fact if rulebook.facts.contains_key(fact) => Role::Fact(fact.to_string()),
        _ => return None,
    })
}

/// Roles of every column; the first column of a role wins (a later duplicate is echoed only).
pub fn roles(headers: &[String], rulebook: &Rulebook) -> Vec<Option<Role>> {
    let mut seen: Vec<Role> = Vec::new();
    headers
        .iter()
        .map(|h| {
            let r = role(h, rulebook)?;
            if seen.contains(&r) {
                return None;
            }
            seen.push(r.clone());
            Some(r)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alias_file_parses() {
        let t: Result<BTreeMap<String, Vec<String>>, _> = toml::from_str(ALIASES);
        assert!(t.is_ok(), "{t:?}");
        assert_eq!(aliases().get("经度").map(String::as_str), Some("lon"));
        assert_eq!(aliases().get(&key("行业代码")).map(String::as_str), Some("industry"));
        assert_eq!(aliases().get(&key("X坐标")).map(String::as_str), Some("x"));
    }
}
