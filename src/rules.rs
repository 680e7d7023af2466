//! The rulebook: rules as data (`data/rules/*.toml`). A rule selects zones (kind + level/class/zone/category) or a
//! jurisdiction, tests project facts, and has an effect with conditions and a citation of its legal basis.
//!
//! The fact vocabulary is data too: `[facts.<name>]` declares each fact's type and the question to ask when a request
//! lacks it. A rule whose tests need a missing fact is `undetermined` with that question — never a silent default.
//! `[[derive]]` entries may fill a fact from others (e.g. a new build is presumed to add capacity); a derived value
//! is reported with its reason and never overrides what the request says.

use crate::industry::{matches as industry_matches, IndustryTable};
use crate::proximity::ProximityConfig;
use crate::zone::{ReserveZone, UnitClass, WaterSourceLevel, Zone, ZoneDetail, ZoneKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum RulebookError {
    #[error("cannot read rulebook {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("rulebook file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("rulebook: {0}")]
    Invalid(String),
}

/// Bilingual text.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// 禁止
    Prohibited,
    /// 限制 / 有条件准入
    Restricted,
    /// 允许
    Permitted,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Citation {
    /// The instrument: law, regulation, notice or plan, with its document number.
    pub instrument: String,
    /// Article / clause.
    pub article: String,
    /// The exact wording relied on.
    pub text: String,
    /// Where the wording was checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// False when the wording or the article number could not be checked against a public text.
    pub verified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The rule applies per zone the site touches.
    #[default]
    Zone,
    /// The rule applies anywhere in the dataset's covered territory, if the dataset's jurisdiction matches.
    Jurisdiction,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    #[serde(default)]
    pub scope: Scope,
    #[serde(default)]
    pub kind: Option<ZoneKind>,
    #[serde(default)]
    pub class: Vec<UnitClass>,
    #[serde(default)]
    pub level: Vec<WaterSourceLevel>,
    #[serde(default)]
    pub zone: Vec<ReserveZone>,
    #[serde(default)]
    pub category: Vec<String>,
    /// For jurisdiction scope: the dataset must belong to one of these admin codes (e.g. 410000 for Henan).
    #[serde(default)]
    pub admin_codes: Vec<String>,
}

impl Selector {
    pub fn selects(&self, zone: &Zone) -> bool {
        if self.scope != Scope::Zone || self.kind.is_some_and(|k| k != zone.kind()) {
            return false;
        }
        match &zone.detail {
            ZoneDetail::ControlUnit { class, .. } => self.class.is_empty() || self.class.contains(class),
            ZoneDetail::WaterSource { level } => self.level.is_empty() || self.level.contains(level),
            ZoneDetail::NatureReserve { zone } => self.zone.is_empty() || self.zone.contains(zone),
            ZoneDetail::Other { category } => self.category.is_empty() || self.category.contains(category),
            ZoneDetail::RedLine => true,
        }
    }

    pub fn selects_jurisdiction(&self, admin_codes: &[String]) -> bool {
        self.scope == Scope::Jurisdiction && self.admin_codes.iter().any(|c| admin_codes.contains(c))
    }
}

/// Which access list of the zone an `in_zone_list` test reads.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ZoneList {
    Prohibited,
    Restricted,
}

/// One test on one fact. Exactly one of `equals`, `in`, `in_list`, `in_zone_list` is set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Test {
    pub fact: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<bool>,
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_in: Option<Vec<String>>,
    /// Industry fact: the code falls under a named list of the rulebook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_list: Option<String>,
    /// Industry fact: the code falls under the zone's own access list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_zone_list: Option<ZoneList>,
    /// What the test needs, in words (`needs nature in [new, rebuild]`), written once on first use: a rule's reason
    /// quotes it in every answer where the rule does not trigger.
    #[serde(skip)]
    pub needs: std::sync::OnceLock<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub title: Text,
    pub applies_to: Selector,
    /// All must hold for the rule to apply; a missing fact makes the rule `undetermined`.
    #[serde(default)]
    pub when: Vec<Test>,
    /// Exceptions the law itself names ("prohibited in principle, except …"): if one holds the rule does not apply;
    /// if its fact is missing the rule applies and the answer says which exception was not claimed.
    #[serde(default)]
    pub unless: Vec<Test>,
    /// A rule that grants something the project must claim (an exception route such as "linear infrastructure
    /// inside a red line"): when its facts are missing the rule is simply not claimed, rather than undetermined,
    /// because it could only make the answer more permissive.
    #[serde(default)]
    pub claim: bool,
    pub effect: Effect,
    #[serde(default)]
    pub conditions: Vec<Text>,
    pub citation: Citation,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FactType {
    Bool,
    Choice,
    Industry,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactSpec {
    #[serde(rename = "type")]
    pub fact_type: FactType,
    pub question: Text,
    /// Allowed values of a choice fact, with their labels.
    #[serde(default)]
    pub choices: BTreeMap<String, Text>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndustryList {
    pub title: Text,
    /// Code prefixes or section letters of GB/T 4754-2017.
    pub codes: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Derivation {
    pub fact: String,
    pub value: FactValue,
    pub when: Vec<Test>,
    pub note: Text,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(untagged)]
pub enum FactValue {
    Bool(bool),
    Text(String),
}

impl std::fmt::Display for FactValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FactValue::Bool(b) => write!(f, "{}", if *b { "yes" } else { "no" }),
            FactValue::Text(t) => f.write_str(t),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulebookInfo {
    pub id: String,
    pub version: String,
    pub title: String,
    /// Facts every assessment request must state (a reviewer always knows them; every rule needs them).
    #[serde(default)]
    pub required_facts: Vec<String>,
}

/// One rulebook file; a rulebook is the union of the files in its folder.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rulebook: Option<RulebookInfo>,
    #[serde(default)]
    facts: BTreeMap<String, FactSpec>,
    #[serde(default)]
    industry_lists: BTreeMap<String, IndustryList>,
    #[serde(default)]
    derive: Vec<Derivation>,
    #[serde(default)]
    rule: Vec<Rule>,
    /// Distance bands for proximity screening (at most one file has it; see [`crate::proximity`]).
    proximity: Option<ProximityConfig>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rulebook {
    pub info: RulebookInfo,
    /// `<declared version>+<first 8 hex of sha256 of the files>`: an edited rule changes it even when nobody bumps
    /// the declared version.
    pub version: String,
    pub facts: BTreeMap<String, FactSpec>,
    pub industry_lists: BTreeMap<String, IndustryList>,
    pub derivations: Vec<Derivation>,
    pub rules: Vec<Rule>,
    /// Proximity bands per zone kind: the `[proximity]` table, or the defaults (500 m, 1 km, 5 km; none for control
    /// units) when no file has one.
    pub proximity: ProximityConfig,
}

/// The project facts of a request: fact name → value, names from the rulebook's vocabulary.
pub type Facts = BTreeMap<String, FactValue>;

/// What a test needs to be evaluated against one zone (or none, for jurisdiction rules).
pub struct EvalContext<'a> {
    pub facts: &'a Facts,
    pub zone: Option<&'a Zone>,
    pub industries: &'a IndustryTable,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TestResult {
    Holds,
    /// The fact is stated and the test fails. Why, in words, is [`Rulebook::describe_failure`]: written only where
    /// an answer shows it (a rule's reason), not for every failed exception or derivation test.
    Fails,
    Missing(String),
}

impl Rulebook {
    /// Loads every `*.toml` in the folder (sorted by name). Exactly one file has the `[rulebook]` header.
    pub fn load_dir(dir: &Path, industries: &IndustryTable) -> Result<Rulebook, RulebookError> {
        let entries = std::fs::read_dir(dir).map_err(|source| RulebookError::Read { path: dir.to_path_buf(), source })?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        paths.sort();
        let mut files = Vec::new();
        for p in paths {
            let text = std::fs::read_to_string(&p).map_err(|source| RulebookError::Read { path: p.clone(), source })?;
            files.push((p, text));
        }
        Self::from_texts(&files, industries)
    }

    pub fn from_texts(files: &[(PathBuf, String)], industries: &IndustryTable) -> Result<Rulebook, RulebookError> {
        let mut hasher = Sha256::new();
        let mut info = None;
        let mut facts = BTreeMap::new();
        let mut industry_lists = BTreeMap::new();
        let mut derivations = Vec::new();
        let mut rules = Vec::new();
        let mut proximity: Option<ProximityConfig> = None;
        for (path, text) in files {
            hasher.update(path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default().as_bytes());
            hasher.update(text.as_bytes());
            let file: RuleFile =
                toml::from_str(text).map_err(|e| RulebookError::Parse { path: path.clone(), message: e.to_string() })?;
            if let Some(i) = file.rulebook {
                if info.replace(i).is_some() {
                    return Err(RulebookError::Invalid(format!("second [rulebook] header in {}", path.display())));
                }
            }
            facts.extend(file.facts);
            industry_lists.extend(file.industry_lists);
            derivations.extend(file.derive);
            rules.extend(file.rule);
            if let Some(p) = file.proximity {
                p.check().map_err(|e| RulebookError::Parse { path: path.clone(), message: e.to_string() })?;
                if proximity.replace(p).is_some() {
                    return Err(RulebookError::Invalid(format!("second [proximity] table in {}", path.display())));
                }
            }
        }
        let info = info.ok_or_else(|| RulebookError::Invalid("no file has the [rulebook] header".into()))?;
        let hex: String = hasher.finalize().iter().take(4).map(|b| format!("{b:02x}")).collect();
        let version = format!("{}+{hex}", info.version);
        let book = Rulebook { info, version, facts, industry_lists, derivations, rules, proximity: proximity.unwrap_or_default() };
        book.check(industries)?;
        Ok(book)
    }

    /// Every rule must be evaluable: facts declared, choices known, lists defined, codes in the table, ids unique.
    fn check(&self, industries: &IndustryTable) -> Result<(), RulebookError> {
        let mut ids = std::collections::BTreeSet::new();
        for r in &self.rules {
            if !ids.insert(r.id.as_str()) {
                return Err(RulebookError::Invalid(format!("rule id {} appears twice", r.id)));
            }
            if r.claim && r.effect == Effect::Prohibited {
                return Err(RulebookError::Invalid(format!("rule {}: a prohibition cannot be a claim", r.id)));
            }
            if r.applies_to.scope == Scope::Jurisdiction && r.applies_to.admin_codes.is_empty() {
                return Err(RulebookError::Invalid(format!("rule {}: jurisdiction scope needs admin_codes", r.id)));
            }
            for t in r.when.iter().chain(&r.unless) {
                self.check_test(t, &format!("rule {}", r.id))?;
            }
        }
        for d in &self.derivations {
            let spec = self.facts.get(&d.fact).ok_or_else(|| {
                RulebookError::Invalid(format!("derivation of undeclared fact {}", d.fact))
            })?;
            self.check_value(&d.fact, spec, &d.value)?;
            for t in &d.when {
                self.check_test(t, &format!("derivation of {}", d.fact))?;
            }
        }
        for f in &self.info.required_facts {
            if !self.facts.contains_key(f) {
                return Err(RulebookError::Invalid(format!("required fact {f} is not declared in [facts]")));
            }
        }
        for (name, list) in &self.industry_lists {
            for c in &list.codes {
                if industries.get(c).is_none() {
                    return Err(RulebookError::Invalid(format!(
                        "industry list {name}: code {c} is not in GB/T 4754-2017"
                    )));
                }
            }
        }
        Ok(())
    }

    fn check_test(&self, t: &Test, owner: &str) -> Result<(), RulebookError> {
        let invalid = |m: String| RulebookError::Invalid(format!("{owner}: {m}"));
        let spec = self.facts.get(&t.fact).ok_or_else(|| invalid(format!("fact {:?} is not declared in [facts]", t.fact)))?;
        let set = [t.equals.is_some(), t.one_of.is_some(), t.not_in.is_some(), t.in_list.is_some(), t.in_zone_list.is_some()]
            .iter()
            .filter(|b| **b)
            .count();
        if set != 1 {
            return Err(invalid(format!("test on {} must have exactly one of equals/in/not_in/in_list/in_zone_list", t.fact)));
        }
        match spec.fact_type {
            FactType::Bool if t.equals.is_none() => Err(invalid(format!("{} is yes/no: use equals", t.fact))),
            FactType::Choice => {
                let values = t.one_of.iter().chain(t.not_in.iter()).flatten();
                for v in values {
                    if !spec.choices.contains_key(v) {
                        return Err(invalid(format!("{} has no choice {v:?}", t.fact)));
                    }
                }
                if t.one_of.is_none() && t.not_in.is_none() {
                    return Err(invalid(format!("{} is a choice: use in / not_in", t.fact)));
                }
                Ok(())
            }
            FactType::Industry => {
                if let Some(l) = &t.in_list {
                    if !self.industry_lists.contains_key(l) {
                        return Err(invalid(format!("industry list {l:?} is not defined")));
                    }
                } else if t.in_zone_list.is_none() {
                    return Err(invalid("industry tests use in_list or in_zone_list".into()));
                }
                Ok(())
            }
            FactType::Bool => Ok(()),
        }
    }

    fn check_value(&self, name: &str, spec: &FactSpec, v: &FactValue) -> Result<(), RulebookError> {
        let ok = match (spec.fact_type, v) {
            (FactType::Bool, FactValue::Bool(_)) => true,
            (FactType::Choice, FactValue::Text(t)) => spec.choices.contains_key(t),
            (FactType::Industry, FactValue::Text(_)) => true,
            _ => false,
        };
        if ok { Ok(()) } else { Err(RulebookError::Invalid(format!("value {v} does not fit fact {name}"))) }
    }

    /// Checks one request fact against the vocabulary and normalises it (industry codes to their table form).
    pub fn parse_fact(&self, name: &str, raw: &str, industries: &IndustryTable) -> Result<FactValue, String> {
        let spec = self.facts.get(name).ok_or_else(|| {
            format!("unknown fact {name:?}; known facts: {}", self.facts.keys().cloned().collect::<Vec<_>>().join(", "))
        })?;
        let raw = raw.trim();
        match spec.fact_type {
            FactType::Bool => parse_bool(raw).map(FactValue::Bool).ok_or_else(|| {
                format!("fact {name} is yes/no; got {raw:?} (use yes/no, true/false, 是/否)")
            }),
            FactType::Choice => {
                if spec.choices.contains_key(raw) {
                    return Ok(FactValue::Text(raw.to_string()));
                }
                // Accept the Chinese label too (新建 → new).
                spec.choices
                    .iter()
                    .find(|(_, label)| label.zh == raw || label.en.eq_ignore_ascii_case(raw))
                    .map(|(k, _)| FactValue::Text(k.clone()))
                    .ok_or_else(|| {
                        format!("fact {name} must be one of: {}; got {raw:?}", spec.choices.keys().cloned().collect::<Vec<_>>().join(", "))
                    })
            }
            FactType::Industry => industries
                .lookup(raw)
                .map(|i| FactValue::Text(i.code.clone()))
                .map_err(|e| format!("{e}; search the table with `ecogate industries <query>`")),
        }
    }

    /// The first required fact the request lacks, if any.
    pub fn missing_required<'a>(&'a self, facts: &Facts) -> Option<&'a str> {
        self.info.required_facts.iter().find(|f| !facts.contains_key(*f)).map(String::as_str)
    }

    pub fn question(&self, fact: &str) -> String {
        self.facts.get(fact).map_or_else(|| format!("What is {fact}?"), |f| format!("{} / {}", f.question.zh, f.question.en))
    }

    /// Evaluates a test; a missing fact yields `Missing` with the question to ask.
    pub fn test(&self, t: &Test, ctx: &EvalContext) -> TestResult {
        let Some(value) = ctx.facts.get(&t.fact) else {
            return TestResult::Missing(t.fact.clone());
        };
        let holds = match value {
            FactValue::Bool(b) => t.equals.map(|e| e == *b),
            FactValue::Text(s) => {
                if let Some(list) = &t.one_of {
                    Some(list.contains(s))
                } else if let Some(list) = &t.not_in {
                    Some(!list.contains(s))
                } else if let Some(name) = &t.in_list {
                    let ind = ctx.industries.get(s);
                    let codes = self.industry_lists.get(name).map(|l| l.codes.as_slice()).unwrap_or_default();
                    Some(ind.is_some_and(|i| codes.iter().any(|c| industry_matches(i, c))))
                } else if let Some(which) = t.in_zone_list {
                    let ind = ctx.industries.get(s);
                    let codes: &[String] = match (ctx.zone.map(|z| &z.detail), which) {
                        (Some(ZoneDetail::ControlUnit { prohibited_industries, .. }), ZoneList::Prohibited) => prohibited_industries,
                        (Some(ZoneDetail::ControlUnit { restricted_industries, .. }), ZoneList::Restricted) => restricted_industries,
                        _ => &[],
                    };
                    Some(ind.is_some_and(|i| codes.iter().any(|c| industry_matches(i, c))))
                } else {
                    None
                }
            }
        };
        match holds {
            Some(true) => TestResult::Holds,
            _ => TestResult::Fails,
        }
    }

    pub fn describe_failure(&self, t: &Test, value: &FactValue) -> String {
        let what = t.needs.get_or_init(|| {
            if let Some(e) = t.equals {
                format!("needs {} = {}", t.fact, FactValue::Bool(e))
            } else if let Some(l) = &t.one_of {
                format!("needs {} in [{}]", t.fact, l.join(", "))
            } else if let Some(l) = &t.not_in {
                format!("needs {} not in [{}]", t.fact, l.join(", "))
            } else if let Some(l) = &t.in_list {
                format!("needs {} in list {l}", t.fact)
            } else if let Some(l) = t.in_zone_list {
                format!("needs {} in the zone's {} list", t.fact, if l == ZoneList::Prohibited { "prohibited" } else { "restricted" })
            } else {
                format!("test on {}", t.fact)
            }
        });
        let value = match value {
            FactValue::Bool(b) => if *b { "yes" } else { "no" },
            FactValue::Text(t) => t.as_str(),
        };
        // `{what}; the project has {fact} = {value}`, without the formatting machinery.
        let mut s = String::with_capacity(what.len() + t.fact.len() + value.len() + 21);
        for piece in [what.as_str(), "; the project has ", t.fact.as_str(), " = ", value] {
            s.push_str(piece);
        }
        s
    }

    /// Applies the derivations to the request's facts: returns the completed facts and what was derived and why.
    pub fn derive(&self, facts: &Facts, industries: &IndustryTable) -> (Facts, Vec<(String, FactValue, Text)>) {
        let mut out = facts.clone();
        let mut derived = Vec::new();
        for d in &self.derivations {
            if out.contains_key(&d.fact) {
                continue;
            }
            let ctx = EvalContext { facts: &out, zone: None, industries };
            if d.when.iter().all(|t| self.test(t, &ctx) == TestResult::Holds) {
                derived.push((d.fact.clone(), d.value.clone(), d.note.clone()));
                out.insert(d.fact.clone(), d.value.clone());
            }
        }
        (out, derived)
    }
}

pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "是" | "有" => Some(true),
        "no" | "n" | "false" | "0" | "否" | "无" => Some(false),
        _ => None,
    }
}

/// The outcome of one rule for one zone (or the jurisdiction).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Prohibited,
    Undetermined,
    Restricted,
    Permitted,
    NotTriggered,
}

impl Outcome {
    /// Chinese label for reports.
    pub fn label_zh(self) -> &'static str {
        match self {
            Outcome::Prohibited => "禁止",
            Outcome::Undetermined => "待定",
            Outcome::Restricted => "限制",
            Outcome::Permitted => "允许",
            Outcome::NotTriggered => "不适用",
        }
    }

    /// English label for reports.
    pub fn label_en(self) -> &'static str {
        match self {
            Outcome::Prohibited => "prohibited",
            Outcome::Undetermined => "undetermined",
            Outcome::Restricted => "restricted",
            Outcome::Permitted => "permitted",
            Outcome::NotTriggered => "not triggered",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub outcome: Outcome,
    /// Why a rule did not trigger.
    pub reason: Option<String>,
    /// Facts whose absence left the rule undetermined.
    pub missing: Vec<String>,
    /// Exceptions whose facts were not stated, so the rule applied without them.
    pub exceptions_not_claimed: Vec<String>,
}

impl Rulebook {
    pub fn evaluate(&self, rule: &Rule, ctx: &EvalContext) -> Evaluation {
        let mut missing = Vec::new();
        for t in &rule.when {
            match self.test(t, ctx) {
                TestResult::Holds => {}
                TestResult::Fails => {
                    let why = ctx.facts.get(&t.fact).map(|v| self.describe_failure(t, v)).unwrap_or_default();
                    return Evaluation { outcome: Outcome::NotTriggered, reason: Some(why), missing: vec![], exceptions_not_claimed: vec![] }
                }
                TestResult::Missing(f) => {
                    if !missing.contains(&f) {
                        missing.push(f)
                    }
                }
            }
        }
        let mut unclaimed = Vec::new();
        for t in &rule.unless {
            match self.test(t, ctx) {
                TestResult::Holds => {
                    let reason = format!("exception applies: {} = {}", t.fact, ctx.facts.get(&t.fact).map(|v| v.to_string()).unwrap_or_default());
                    return Evaluation { outcome: Outcome::NotTriggered, reason: Some(reason), missing: vec![], exceptions_not_claimed: vec![] };
                }
                TestResult::Missing(f) => {
                    if !unclaimed.contains(&f) {
                        unclaimed.push(f)
                    }
                }
                TestResult::Fails => {}
            }
        }
        if !missing.is_empty() && rule.claim {
            let reason = format!("not claimed: the request does not state {}", missing.join(", "));
            return Evaluation { outcome: Outcome::NotTriggered, reason: Some(reason), missing: vec![], exceptions_not_claimed: vec![] };
        }
        if !missing.is_empty() {
            return Evaluation { outcome: Outcome::Undetermined, reason: None, missing, exceptions_not_claimed: vec![] };
        }
        let outcome = match rule.effect {
            Effect::Prohibited => Outcome::Prohibited,
            Effect::Restricted => Outcome::Restricted,
            Effect::Permitted => Outcome::Permitted,
        };
        Evaluation { outcome, reason: None, missing: vec![], exceptions_not_claimed: unclaimed }
    }
}
