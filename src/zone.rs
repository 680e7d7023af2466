//! Zones: the polygons of the zoning layers, after their source fields have been mapped to ecogate's concepts.
//!
//! Every kind the plans name gets a domain type so rules can select on it; the Chinese term is in each doc comment so a
//! reviewer can search the law for it.

use geo::MultiPolygon;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The layer families ecogate knows. `Other` carries a category string for the further layers the plans name
/// (畜禽养殖禁养区, 高污染燃料禁燃区, 声环境功能区, 污染地块, 河湖岸线, 地下水保护区 …), so adding such a layer needs a
/// manifest entry and rules, not code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ZoneKind {
    /// 环境管控单元 (三线一单 environmental control unit).
    ControlUnit,
    /// 生态保护红线 (ecological protection red line).
    RedLine,
    /// 饮用水水源保护区 (drinking-water source protection zone).
    WaterSource,
    /// 自然保护地 (nature reserve, forest or wetland park).
    NatureReserve,
    /// Any other zoning layer, distinguished by its category.
    Other,
}

impl ZoneKind {
    pub const ALL: [ZoneKind; 5] =
        [ZoneKind::ControlUnit, ZoneKind::RedLine, ZoneKind::WaterSource, ZoneKind::NatureReserve, ZoneKind::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            ZoneKind::ControlUnit => "control_unit",
            ZoneKind::RedLine => "red_line",
            ZoneKind::WaterSource => "water_source",
            ZoneKind::NatureReserve => "nature_reserve",
            ZoneKind::Other => "other",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ZoneKind::ControlUnit => "环境管控单元",
            ZoneKind::RedLine => "生态保护红线",
            ZoneKind::WaterSource => "饮用水水源保护区",
            ZoneKind::NatureReserve => "自然保护地",
            ZoneKind::Other => "其他管控分区",
        }
    }

    /// The English label, as the map page words it (reports in English).
    pub fn label_en(self) -> &'static str {
        match self {
            ZoneKind::ControlUnit => "environmental control unit",
            ZoneKind::RedLine => "ecological protection red line",
            ZoneKind::WaterSource => "drinking-water source protection zone",
            ZoneKind::NatureReserve => "nature reserve",
            ZoneKind::Other => "other zone",
        }
    }
}

impl fmt::Display for ZoneKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Class of a control unit (环境管控单元分类).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitClass {
    /// 优先保护单元
    Priority,
    /// 重点管控单元
    Key,
    /// 一般管控单元
    General,
}

/// Level of a drinking-water source protection zone (《水污染防治法》第六十三条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaterSourceLevel {
    /// 一级保护区
    Level1,
    /// 二级保护区
    Level2,
    /// 准保护区
    Quasi,
}

/// Functional zone of a nature reserve (《自然保护区条例》第十八条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReserveZone {
    /// 核心区 (also the reform term 核心保护区)
    Core,
    /// 缓冲区
    Buffer,
    /// 实验区 (also the reform term 一般控制区)
    Experimental,
    /// 未分区: a reserve without internal zoning, managed as core + buffer (条例第三十条).
    Unzoned,
}

macro_rules! enum_strs {
    ($t:ty { $($v:ident => $s:literal, $zh:literal;)* }) => {
        impl $t {
            pub const ALL: &'static [$t] = &[$(<$t>::$v),*];
            pub fn as_str(self) -> &'static str { match self { $(<$t>::$v => $s),* } }
            pub fn label_zh(self) -> &'static str { match self { $(<$t>::$v => $zh),* } }
            pub fn parse(s: &str) -> Option<Self> { match s { $($s => Some(<$t>::$v),)* _ => None } }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

enum_strs!(UnitClass { Priority => "priority", "优先保护单元"; Key => "key", "重点管控单元"; General => "general", "一般管控单元"; });
enum_strs!(WaterSourceLevel { Level1 => "level1", "一级保护区"; Level2 => "level2", "二级保护区"; Quasi => "quasi", "准保护区"; });
enum_strs!(ReserveZone { Core => "core", "核心区"; Buffer => "buffer", "缓冲区"; Experimental => "experimental", "实验区"; Unzoned => "unzoned", "未分区"; });

/// The four dimensions of a unit's access list (生态环境准入清单).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Requirements {
    /// 空间布局约束
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spatial_layout: Option<String>,
    /// 污染物排放管控
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pollutant_discharge: Option<String>,
    /// 环境风险防控
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk_control: Option<String>,
    /// 资源开发效率要求
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_efficiency: Option<String>,
}

impl Requirements {
    pub fn is_empty(&self) -> bool {
        self.spatial_layout.is_none()
            && self.pollutant_discharge.is_none()
            && self.risk_control.is_none()
            && self.resource_efficiency.is_none()
    }

    /// The requirement texts with their Chinese dimension names, in the order the lists print them.
    pub fn dimensions(&self) -> Vec<(&'static str, &str)> {
        [
            ("空间布局约束", &self.spatial_layout),
            ("污染物排放管控", &self.pollutant_discharge),
            ("环境风险防控", &self.risk_control),
            ("资源开发效率要求", &self.resource_efficiency),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect()
    }
}

/// What distinguishes one kind of zone from another, with the kind-specific attributes rules select on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ZoneDetail {
    /// 环境管控单元, with its own access list.
    ControlUnit {
        class: UnitClass,
        /// GB/T 4754-2017 codes (or code prefixes) the unit's list prohibits (禁止类).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        prohibited_industries: Vec<String>,
        /// Codes the unit's list restricts (限制类).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        restricted_industries: Vec<String>,
    },
    /// 生态保护红线
    RedLine,
    /// 饮用水水源保护区 of one level.
    WaterSource { level: WaterSourceLevel },
    /// 自然保护地 functional zone.
    NatureReserve { zone: ReserveZone },
    /// Any other layer: the manifest's category (e.g. `livestock_no_farming`).
    Other { category: String },
}

impl ZoneDetail {
    pub fn kind(&self) -> ZoneKind {
        match self {
            ZoneDetail::ControlUnit { .. } => ZoneKind::ControlUnit,
            ZoneDetail::RedLine => ZoneKind::RedLine,
            ZoneDetail::WaterSource { .. } => ZoneKind::WaterSource,
            ZoneDetail::NatureReserve { .. } => ZoneKind::NatureReserve,
            ZoneDetail::Other { .. } => ZoneKind::Other,
        }
    }

    /// The class/level/zone/category as a short label (e.g. `level2`), for tables and selectors.
    pub fn grade(&self) -> Option<&str> {
        match self {
            ZoneDetail::ControlUnit { class, .. } => Some(class.as_str()),
            ZoneDetail::WaterSource { level } => Some(level.as_str()),
            ZoneDetail::NatureReserve { zone } => Some(zone.as_str()),
            ZoneDetail::Other { category } => Some(category),
            ZoneDetail::RedLine => None,
        }
    }

    /// The Chinese label of the grade, as a reviewer writes it.
    pub fn grade_zh(&self) -> Option<&'static str> {
        match self {
            ZoneDetail::ControlUnit { class, .. } => Some(class.label_zh()),
            ZoneDetail::WaterSource { level } => Some(level.label_zh()),
            ZoneDetail::NatureReserve { zone } => Some(zone.label_zh()),
            _ => None,
        }
    }
}

/// One zone polygon with its mapped attributes, in the working CRS (CGCS2000 lon/lat, EPSG:4490).
#[derive(Debug, Clone)]
pub struct Zone {
    /// The manifest layer id it came from.
    pub layer: String,
    /// Feature id in the source, for validation reports and for going back to the agency's data.
    pub source_fid: Option<u64>,
    /// Official code (单元编码 / 红线编码 / 水源编码 …).
    pub code: String,
    pub name: String,
    pub detail: ZoneDetail,
    /// Free subclass text from the source (e.g. red-line type 水源涵养), informational.
    pub subclass: Option<String>,
    pub requirements: Requirements,
    pub geometry: MultiPolygon<f64>,
}

impl Zone {
    pub fn kind(&self) -> ZoneKind {
        self.detail.kind()
    }
}
