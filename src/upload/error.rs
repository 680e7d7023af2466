//! Why an uploaded footprint file is refused: one variant per class, each with a stable slug (the API's problem
//! type), an HTTP status, an English message (Display) and a Chinese one.

use super::Format;
use crate::crs::CrsInputError;
use crate::input::InputError;

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the upload is empty: {what}")]
    EmptyFile { what: String },
    #[error("the file is {size} bytes; the upload limit is {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("the file has {count} or more vertices; the limit is {limit}")]
    TooManyVertices { count: usize, limit: usize },
    #[error("{what} is not a supported footprint format; supported: {}", super::SUPPORTED)]
    UnsupportedFormat { what: String },
    #[error("{} has no coordinate reference system{}: send `crs` (e.g. cgcs2000-gk3:40 or EPSG:4528 for CGCS2000 3° Gauss–Krüger zone 40, gcj02 for AMap lon/lat){}",
        .format.name(), if .why.is_empty() { String::new() } else { format!(" ({})", .why) }, .hint.as_ref().map(|h| format!("; {h}")).unwrap_or_default())]
    MissingCrs { format: Format, why: String, why_zh: String, hint: Option<String>, hint_zh: Option<String> },
    /// The CRS a file declares is one PROJ cannot use.
    #[error("the file's crs {name:?} is not understood: {message}; send `crs` to say which it is (e.g. cgcs2000-gk3:40, EPSG:4528)")]
    UnknownCrs { name: String, message: String },
    /// The request's `crs`/`towgs84`, or the file's numbers read in it (as for points: zone prefix, axis order …).
    #[error(transparent)]
    Crs(#[from] CrsInputError),
    #[error("the files use different coordinate reference systems ({}); send them as separate uploads or reproject them to one", list_pairs(.files))]
    MixedCrs { files: Vec<(String, String)> },
    #[error("the zip holds no readable footprint dataset{}; files found: {}", .reason.as_ref().map(|r| format!(" ({r})")).unwrap_or_default(), list(.files))]
    NoDataset { files: Vec<String>, reason: Option<String>, reason_zh: Option<String> },
    #[error("the zip holds several candidate datasets of different formats ({}); send one dataset per upload", list_pairs(.candidates))]
    SeveralDatasets { candidates: Vec<(String, String)> },
    #[error("{what} cannot be read: {message}")]
    Unreadable { what: String, message: String },
    #[error("the file holds no polygon to assess ({found}){}", .hint.as_ref().map(|h| format!("; {h}")).unwrap_or_default())]
    NoPolygons { found: String, found_zh: String, hint: Option<String> },
    #[error("{feature}: the polygon has zero area (all its points lie on a line or coincide); it cannot be a site footprint")]
    ZeroArea { feature: String },
    /// Batch input only (points and lines are sites there): a MultiPoint of several points is several sites.
    #[error("{feature}: a MultiPoint of {count} points is several sites; give each point its own feature")]
    SeveralPoints { feature: String, count: usize },
    /// Batch input only: a line whose vertices all coincide.
    #[error("{feature}: the line has fewer than two distinct vertices")]
    DegenerateLine { feature: String },
    #[error("{feature}: invalid polygon that could not be repaired: {reason}")]
    InvalidGeometry { feature: String, reason: String },
    #[error("{what} is neither UTF-8 nor GBK text")]
    BadEncoding { what: String },
    #[error("{message}")]
    BadTable { message: String, message_zh: String },
    #[error("界址点 file, line {line}: {message}")]
    BadJzd { line: usize, message: String, message_zh: String },
    #[error("{feature}: {error}{}", crs_hint(.crs))]
    Coordinates { feature: String, crs: String, error: InputError },
    #[error("{feature}: cannot transform from {crs}: {message}")]
    Transform { feature: String, crs: String, message: String },
}

fn list(files: &[String]) -> String {
    if files.is_empty() {
        "none".into()
    } else {
        files.join(", ")
    }
}

fn list_pairs(pairs: &[(String, String)]) -> String {
    pairs.iter().map(|(f, c)| format!("{f}: {c}")).collect::<Vec<_>>().join("; ")
}

fn crs_hint(crs: &str) -> String {
    format!(" (after reading the file as {crs}: is that its real CRS?)")
}

impl UploadError {
    /// Stable problem type.
    pub fn slug(&self) -> &'static str {
        match self {
            UploadError::EmptyFile { .. } => "empty-file",
            UploadError::TooLarge { .. } => "upload-too-large",
            UploadError::TooManyVertices { .. } => "too-many-vertices",
            UploadError::UnsupportedFormat { .. } => "unsupported-format",
            UploadError::MissingCrs { .. } => "missing-crs",
            UploadError::UnknownCrs { .. } => "unknown-crs",
            UploadError::Crs(e) => e.slug(),
            UploadError::MixedCrs { .. } => "mixed-crs",
            UploadError::NoDataset { .. } => "no-dataset",
            UploadError::SeveralDatasets { .. } => "several-datasets",
            UploadError::Unreadable { .. } => "unreadable-file",
            UploadError::NoPolygons { .. } => "no-polygons",
            UploadError::ZeroArea { .. } => "zero-area",
            UploadError::SeveralPoints { .. } => "several-points",
            UploadError::DegenerateLine { .. } => "degenerate-line",
            UploadError::InvalidGeometry { .. } => "invalid-geometry",
            UploadError::BadEncoding { .. } => "bad-encoding",
            UploadError::BadTable { .. } => "invalid-table",
            UploadError::BadJzd { .. } => "invalid-jzd",
            UploadError::Coordinates { error, .. } => error.slug(),
            UploadError::Transform { .. } => "transform-failed",
        }
    }

    /// HTTP status: 413 for the size limits, 415 for an unknown format, 422 for everything else.
    pub fn status(&self) -> u16 {
        match self {
            UploadError::TooLarge { .. } | UploadError::TooManyVertices { .. } => 413,
            UploadError::UnsupportedFormat { .. } => 415,
            _ => 422,
        }
    }

    pub fn title(&self) -> &'static str {
        match self.status() {
            413 => "Upload too large",
            415 => "Unsupported file format",
            _ => "Invalid upload",
        }
    }

    /// The message in Chinese, for reviewers.
    pub fn message_zh(&self) -> String {
        match self {
            UploadError::EmptyFile { what } => format!("上传的文件为空：{what}"),
            UploadError::TooLarge { size, limit } => format!("文件大小 {size} 字节，超过上传上限 {limit} 字节。"),
            UploadError::TooManyVertices { count, limit } => format!("文件至少有 {count} 个顶点，超过上限 {limit}。"),
            UploadError::UnsupportedFormat { what } => format!("{what} 不是支持的范围文件格式。支持：{}", super::SUPPORTED_ZH),
            UploadError::MissingCrs { format, why_zh, hint_zh, .. } => format!(
                "{}没有坐标系{}：请通过 crs 指定（例如 CGCS2000 3 度带第 40 带为 cgcs2000-gk3:40 或 EPSG:4528，高德经纬度为 gcj02）{}",
                format.name_zh(),
                if why_zh.is_empty() { String::new() } else { format!("（{why_zh}）") },
                hint_zh.as_ref().map(|h| format!("；{h}")).unwrap_or_default()
            ),
            UploadError::UnknownCrs { name, message } => {
                format!("无法识别文件的坐标系 {name}：{message}。请通过 crs 指定坐标系（如 cgcs2000-gk3:40、EPSG:4528）。")
            }
            UploadError::Crs(e) => e.message_zh(),
            UploadError::MixedCrs { files } => {
                format!("压缩包中的文件坐标系不一致（{}）：请分别上传，或统一投影后再上传。", list_pairs(files))
            }
            UploadError::NoDataset { files, reason_zh, .. } => format!(
                "压缩包中没有可读取的范围数据{}；包含的文件：{}",
                reason_zh.as_ref().map(|r| format!("（{r}）")).unwrap_or_default(),
                if files.is_empty() { "无".into() } else { files.join("、") }
            ),
            UploadError::SeveralDatasets { candidates } => {
                format!("压缩包中有多个不同格式的候选数据（{}）：每次只上传一个数据集。", list_pairs(candidates))
            }
            UploadError::Unreadable { what, message } => {
                format!("无法读取 {what}：文件可能已损坏、被截断，或与扩展名不符。详情（GDAL）：{message}")
            }
            UploadError::NoPolygons { found_zh, hint, .. } => format!(
                "文件中没有可评估的面（{found_zh}）{}",
                if hint.is_some() { "；CAD 图中的用地范围须为闭合多段线（PEDIT → 闭合）或填充" } else { "" }
            ),
            UploadError::ZeroArea { feature } => format!("{feature}：面积为零（各点共线或重合），不能作为用地范围。"),
            UploadError::SeveralPoints { feature, count } => format!("{feature}：多点要素含 {count} 个点，即多个选址；请每个点单独作为一个要素。"),
            UploadError::DegenerateLine { feature } => format!("{feature}：线的不同顶点少于两个。"),
            UploadError::InvalidGeometry { feature, reason } => format!("{feature}：多边形无效且无法修复：{reason}"),
            UploadError::BadEncoding { what } => format!("{what} 既不是 UTF-8 也不是 GBK 编码的文本。"),
            UploadError::BadTable { message_zh, .. } => message_zh.clone(),
            UploadError::BadJzd { line, message_zh, .. } => format!("界址点文件第 {line} 行：{message_zh}"),
            UploadError::Coordinates { feature, crs, error } => {
                format!("{feature}：{}（按 {crs} 读取后：文件的坐标系是否正确？）", error.message_zh())
            }
            UploadError::Transform { feature, crs, message } => format!("{feature}：无法从 {crs} 转换坐标：{message}"),
        }
    }
}
