// ecogate map page: zones on a MapLibre map, and the siting assessment for a point or a footprint.
// Plain ES module, no build step. MapLibre GL JS is the global `maplibregl` (web/vendor/, bundled from npm).
//
// Server contracts used: GET /styles/ecogate.json (MapLibre style, layer ids `<layer>-<type>`), GET /collections and
// /collections/{id}/items (OGC API – Features; also the fallback when the style is unavailable), GET /v1/assessments,
// POST /v1/assessments, POST /v1/assessments/upload (multipart: file, facts, crs), GET /v1/industries?q=,
// GET /v1/zones/{code}, GET /v1/rules. Errors are problem+json.
//
// Typed coordinates, pasted GeoJSON and uploaded files may be in another CRS (picker #crs → `crs`): the server
// converts them and echoes the converted point (site.converted_coordinates), where the marker goes.
//
// An assessment is requested only once the facts the rulebook requires (/v1/rules info.required_facts) are given;
// until then a click or typed point still places the marker and shows the zones there, and the verdict area asks for
// the missing facts, highlighting their inputs. A 422 /problems/missing-fact (the server requiring more) is shown the
// same way, in the server's words. Choosing the facts runs the assessment of the current point or footprint.

import { parseCoordinates, parseNumberPair, formatLonLat, CoordError } from './coords.js';

const maplibregl = window.maplibregl;

// ------------------------------------------------------------------------------------------------ UI strings

const I18N = {
  zh: {
    app_title: '选址合规筛查', site: '选址', coords_label: '坐标（经度, 纬度；支持度分秒）',
    coords_placeholder: '113.52, 33.27 或 113°30′15″E 33°16′20″N', locate: '定位',
    mode_point: '点选', mode_draw: '绘制范围', draw_finish: '完成', draw_clear: '清除',
    draw_hint: '在地图上单击添加顶点，双击或点“完成”闭合范围。', paste_geojson: '粘贴 GeoJSON 范围',
    geojson_placeholder: '{"type":"Polygon","coordinates":[[[113.50,33.30],[113.51,33.30],[113.51,33.31],[113.50,33.30]]]}',
    geojson_run: '评估此范围', project: '项目', industry_label: '行业（GB/T 4754-2017）',
    industry_placeholder: '输入代码或名称搜索，如 3011 或 水泥', nature_label: '项目性质', unanswered: '（未填）',
    nature_new: '新建', nature_rebuild: '改建', nature_expansion: '扩建', yes: '是', no: '否',
    run: '评估', rerun: '重新评估', copy_link: '复制链接', legend: '图层',
    assumed_order: '未标注 E/N：按“经度, 纬度”解释为 {lon}°E, {lat}°N。',
    parsed: '解析为 {lon}°E, {lat}°N。',
    coord_empty: '请输入坐标。', coord_count: '需要两个数值（经度和纬度），识别到 {n} 个。',
    coord_hemisphere: '方位字母（N/S/E/W 或 北纬/东经）位置不对。', coord_same_axis: '两个坐标标注了相同的方位（都是纬度或都是经度）。',
    coord_dms: '度分秒格式有误：分、秒须在 0–60 之间。', coord_unexpected: '无法识别的字符：{detail}',
    need_site: '请先输入坐标、在地图上点选，或绘制 / 粘贴范围。',
    need_industry: '请从列表中选择行业，或输入行业代码。', industry_none: '没有匹配的行业。',
    draw_need3: '范围至少需要 3 个顶点。', geojson_invalid: 'GeoJSON 无法解析：{detail}',
    assessing: '正在评估…', copied: '链接已复制。', copy_manual: '无法自动复制，请手动复制下面的链接。',
    api_key: 'API 密钥', api_key_hint: '本服务需要 API 密钥：', api_key_use: '使用此密钥',
    network_error: '无法连接服务：{detail}', http_error: '请求失败（HTTP {status}）。',
    map_unavailable: '无法加载地图图层（样式 /styles/ecogate.json 与要素服务 /collections 均不可用）：{detail}',
    map_error: '地图错误：{detail}',
    v_prohibited: '禁止', v_restricted: '限制（有条件准入）', v_permitted: '允许', v_undetermined: '无法判定',
    o_prohibited: '禁止', o_restricted: '限制', o_permitted: '允许', o_undetermined: '待定', o_not_triggered: '未触发',
    sum_prohibited: '禁止：{rules}。', sum_restricted: '有条件准入：须满足 {rules} 的条件。',
    sum_permitted: '允许：没有规则禁止或限制该项目；所在分区的管控要求仍然适用。',
    sum_undetermined: '无法判定：请回答 {questions}。', sum_outside: '选址位于已加载数据的覆盖范围之外，无法判定。',
    questions_title: '需要补充的项目信息', questions_hint: '回答后点击“重新评估”。',
    answer_above: '请在上方“项目”中填写。',
    zones_title: '所在分区（{n}）', no_zones: '不在任何分区内。', col_layer: '类别', col_code: '编码', col_name: '名称',
    col_grade: '级别', col_overlap: '重叠', col_distance: '距离',
    rules_title: '适用规则（{n}）', other_rules: '未触发的规则（{n}）', conditions: '条件', reason: '原因',
    missing: '缺少的信息', exceptions: '未主张的例外情形', unverified: '条文未核实', source: '来源', note: '说明',
    nearby_title: '周边分区（{r}）', no_nearby: '周边无其他分区。', derived_title: '推定的项目信息',
    report: '报告', report_pdf: 'PDF', report_hint: '可打印的筛查报告（含位置图、依据与版本），在新标签页打开',
    warnings_title: '提示', versions: '数据集 {dataset}（{dversion}）· 规则库 {rulebook} {rversion} · {engine}',
    site_point: '点 {lon}, {lat}', site_polygon: '范围 {area}', site_line: '线 {length}',
    zone_requirements: '管控要求', zone_loading: '正在读取管控要求…', zone_no_requirements: '无单独列出的管控要求。',
    zone_kind: '类别', zone_grade: '级别', zone_subclass: '类型', zone_area: '面积',
    req_spatial_layout: '空间布局约束', req_pollutant_discharge: '污染物排放管控', req_risk_control: '环境风险防控',
    req_resource_efficiency: '资源开发效率要求',
    need_facts: '请先选择{facts}，再进行评估', fact_industry: '行业', fact_nature: '项目性质', facts_below: '下列项目信息',
    prompt_hint: '选好后将自动评估此位置。', site_drawn: '所绘 / 粘贴的范围',
    crs_label: '坐标系', crs_wgs84: 'WGS84 / CGCS2000 经纬度', crs_gcj02: 'GCJ-02（高德 / 腾讯）', crs_bd09: 'BD-09（百度）',
    crs_gk: 'CGCS2000 3° 高斯-克吕格（按东坐标前缀取带号）', crs_zone: 'CGCS2000 3° 高斯-克吕格，指定带号', crs_epsg: 'EPSG:…',
    crs_zone_placeholder: '带号 25–45', crs_need_zone: '请填写 3° 带号（25–45）。', crs_need_epsg: '请填写 EPSG 代码，如 EPSG:4526。',
    projected_read: '按所选坐标系 {crs} 发送：{a}, {b}（X/Y 顺序由服务判断）。',
    crs_info: '输入坐标系 {crs}：{input} → {lon}°E, {lat}°N', axis_info: '坐标顺序：{order}',
    axis_lon_lat: '经度, 纬度', axis_lat_lon: '纬度, 经度', axis_easting_northing: '东坐标 Y, 北坐标 X',
    axis_northing_easting: '北坐标 X, 东坐标 Y（测量习惯）',
    file_label: '上传范围文件', file_hint: '压缩的 shapefile、KML/KMZ、GeoJSON、GeoPackage、DXF、CSV/XLSX 坐标表、界址点 TXT；也可拖放到地图上。',
    drop_hint: '松开以上传范围文件', site_file: '文件 {name}', uploading: '正在上传并评估 {name}…',
    upload_title: '文件 {name}（{format}，{crs}，{n} 个地块）', upload_whole: '整体结论', features_title: '地块（{n}）',
    feature_unnamed: '地块 {n}', file_notes: '文件说明', show_whole: '显示整体评估', showing_feature: '当前显示：{name}',
    no_link_upload: '上传的文件无法放入链接；请保留原文件。',
  },
  en: {
    app_title: 'Siting compliance screening', site: 'Site', coords_label: 'Coordinates (lon, lat; DMS accepted)',
    coords_placeholder: '113.52, 33.27 or 113°30′15″E 33°16′20″N', locate: 'Go',
    mode_point: 'Point', mode_draw: 'Draw footprint', draw_finish: 'Finish', draw_clear: 'Clear',
    draw_hint: 'Click the map to add vertices; double-click or press Finish to close the footprint.',
    paste_geojson: 'Paste a GeoJSON footprint',
    geojson_placeholder: '{"type":"Polygon","coordinates":[[[113.50,33.30],[113.51,33.30],[113.51,33.31],[113.50,33.30]]]}',
    geojson_run: 'Assess this footprint', project: 'Project', industry_label: 'Industry (GB/T 4754-2017)',
    industry_placeholder: 'Search by code or name, e.g. 3011 or cement', nature_label: 'Nature of the project',
    unanswered: '(not given)', nature_new: 'New build', nature_rebuild: 'Rebuild', nature_expansion: 'Expansion',
    yes: 'Yes', no: 'No', run: 'Assess', rerun: 'Assess again', copy_link: 'Copy link', legend: 'Layers',
    assumed_order: 'No E/N letters: read as "lon, lat" = {lon}°E, {lat}°N.',
    parsed: 'Read as {lon}°E, {lat}°N.',
    coord_empty: 'Enter coordinates.', coord_count: 'Two numbers are needed (longitude and latitude); found {n}.',
    coord_hemisphere: 'A hemisphere letter (N/S/E/W) is misplaced.', coord_same_axis: 'Both coordinates carry the same axis letter.',
    coord_dms: 'Bad degrees-minutes-seconds: minutes and seconds must be 0–60.', coord_unexpected: 'Unexpected text: {detail}',
    need_site: 'Enter coordinates, click the map, or draw / paste a footprint first.',
    need_industry: 'Pick an industry from the list, or type its code.', industry_none: 'No matching industry.',
    draw_need3: 'A footprint needs at least 3 vertices.', geojson_invalid: 'The GeoJSON cannot be read: {detail}',
    assessing: 'Assessing…', copied: 'Link copied.', copy_manual: 'Could not copy automatically; copy the link below.',
    api_key: 'API key', api_key_hint: 'This server needs an API key:', api_key_use: 'Use this key',
    network_error: 'Cannot reach the service: {detail}', http_error: 'Request failed (HTTP {status}).',
    map_unavailable: 'Cannot load the map layers (neither the style /styles/ecogate.json nor the features at /collections are available): {detail}',
    map_error: 'Map error: {detail}',
    v_prohibited: 'Prohibited', v_restricted: 'Restricted (conditional)', v_permitted: 'Permitted', v_undetermined: 'Undetermined',
    o_prohibited: 'prohibited', o_restricted: 'restricted', o_permitted: 'permitted', o_undetermined: 'undetermined',
    o_not_triggered: 'not triggered',
    sum_prohibited: 'Prohibited: {rules}.', sum_restricted: 'Allowed only under the conditions of: {rules}.',
    sum_permitted: 'Permitted: no rule prohibits or restricts the project here; the zones\' requirements still apply.',
    sum_undetermined: 'Undetermined: answer {questions}', sum_outside: 'The site lies outside the loaded data\'s coverage: no verdict.',
    questions_title: 'Project facts needed', questions_hint: 'Answer, then press "Assess again".',
    answer_above: 'Fill it in under "Project" above.',
    zones_title: 'Zones at the site ({n})', no_zones: 'In no zone.', col_layer: 'Layer', col_code: 'Code', col_name: 'Name',
    col_grade: 'Grade', col_overlap: 'Overlap', col_distance: 'Distance',
    rules_title: 'Rules that apply ({n})', other_rules: 'Rules not triggered ({n})', conditions: 'Conditions', reason: 'Reason',
    missing: 'Missing facts', exceptions: 'Exceptions not claimed', unverified: 'wording not verified', source: 'Source', note: 'Note',
    nearby_title: 'Zones nearby ({r})', no_nearby: 'No other zone nearby.', derived_title: 'Presumed project facts',
    report: 'Report', report_pdf: 'PDF', report_hint: 'Printable screening report (map figure, legal basis, versions), in a new tab',
    warnings_title: 'Warnings', versions: 'Dataset {dataset} ({dversion}) · rulebook {rulebook} {rversion} · {engine}',
    site_point: 'point {lon}, {lat}', site_polygon: 'footprint {area}', site_line: 'line {length}',
    zone_requirements: 'Requirements', zone_loading: 'Loading requirements…', zone_no_requirements: 'No requirements listed for this zone.',
    zone_kind: 'Kind', zone_grade: 'Grade', zone_subclass: 'Type', zone_area: 'Area',
    req_spatial_layout: 'Spatial layout constraints', req_pollutant_discharge: 'Pollutant discharge control',
    req_risk_control: 'Environmental risk control', req_resource_efficiency: 'Resource efficiency',
    need_facts: 'Choose {facts} to assess this location', fact_industry: 'the industry', fact_nature: 'the project nature',
    facts_below: 'the project facts below', prompt_hint: 'The assessment runs as soon as they are chosen.',
    site_drawn: 'the drawn / pasted footprint',
    crs_label: 'Coordinate system', crs_wgs84: 'WGS84 / CGCS2000 lon/lat', crs_gcj02: 'GCJ-02 (Amap / Tencent)', crs_bd09: 'BD-09 (Baidu)',
    crs_gk: 'CGCS2000 3° Gauss–Krüger (zone from the easting prefix)', crs_zone: 'CGCS2000 3° Gauss–Krüger, zone number', crs_epsg: 'EPSG:…',
    crs_zone_placeholder: 'zone 25–45', crs_need_zone: 'Enter the 3° zone number (25–45).', crs_need_epsg: 'Enter an EPSG code, e.g. EPSG:4526.',
    projected_read: 'Sent in {crs} as typed: {a}, {b} (the service detects the X/Y order).',
    crs_info: 'Input CRS {crs}: {input} → {lon}°E, {lat}°N', axis_info: 'Axis order: {order}',
    axis_lon_lat: 'lon, lat', axis_lat_lon: 'lat, lon', axis_easting_northing: 'easting Y, northing X',
    axis_northing_easting: 'northing X, easting Y (surveyors\' order)',
    file_label: 'Upload a footprint file', file_hint: 'Zipped shapefile, KML/KMZ, GeoJSON, GeoPackage, DXF, CSV/XLSX vertex table, 界址点 TXT; or drop it on the map.',
    drop_hint: 'Drop to upload the footprint file', site_file: 'file {name}', uploading: 'Uploading and assessing {name}…',
    upload_title: 'File {name} ({format}, {crs}, {n} features)', upload_whole: 'Whole file', features_title: 'Features ({n})',
    feature_unnamed: 'feature {n}', file_notes: 'File notes', show_whole: 'Show the whole-file assessment', showing_feature: 'Showing: {name}',
    no_link_upload: 'An uploaded file cannot be put in a link; keep the file itself.',
  },
};

const LAYER_NAMES = {
  control_units: ['环境管控单元', 'Environmental control units'],
  red_lines: ['生态保护红线', 'Ecological protection red lines'],
  water_sources: ['饮用水水源保护区', 'Drinking-water source protection zones'],
  reserves: ['自然保护地', 'Nature reserves and parks'],
  no_farming: ['畜禽养殖禁养区', 'Livestock no-farming zones'],
  fuel_ban: ['高污染燃料禁燃区', 'High-pollution fuel ban zones'],
};
const KIND_NAMES = {
  control_unit: ['环境管控单元', 'control unit'], red_line: ['生态保护红线', 'red line'],
  water_source: ['饮用水水源保护区', 'water source zone'], nature_reserve: ['自然保护地', 'nature reserve'],
  other: ['其他管控分区', 'other zone'],
};
const GRADE_NAMES = {
  priority: ['优先保护单元', 'priority protection'], key: ['重点管控单元', 'key control'], general: ['一般管控单元', 'general control'],
  level1: ['一级保护区', 'level 1'], level2: ['二级保护区', 'level 2'], quasi: ['准保护区', 'quasi-protection'],
  core: ['核心区', 'core'], buffer: ['缓冲区', 'buffer'], experimental: ['实验区', 'experimental'], unzoned: ['未分区', 'unzoned'],
  livestock_no_farming: ['禁养区', 'no-farming'], fuel_ban: ['禁燃区', 'fuel ban'],
};
const REQUIREMENT_KEYS = ['spatial_layout', 'pollutant_discharge', 'risk_control', 'resource_efficiency'];
// Facts always offered in the form; the others appear when an answer asks for them, the rulebook requires them
// (/v1/rules info.required_facts) or a link sets them.
const ALWAYS_FACTS = ['discharges_pollutants'];
// Facts with their own inputs under "Project" (#industry, #nature) rather than a select in #facts.
const FORM_FACTS = new Set(['industry', 'nature']);
// Colours of the fallback style (used only when /styles/ecogate.json is unavailable).
const FALLBACK_COLOURS = {
  control_units: { fill: ['match', ['get', 'grade'], 'priority', '#66bb6a', 'key', '#ffa726', 'general', '#cfd8dc', '#b0bec5'], line: '#78909c', opacity: 0.35 },
  red_lines: { fill: '#e53935', line: '#b71c1c', opacity: 0.35 },
  water_sources: { fill: ['match', ['get', 'grade'], 'level1', '#0d47a1', 'level2', '#1e88e5', 'quasi', '#90caf9', '#42a5f5'], line: '#0d47a1', opacity: 0.45 },
  reserves: { fill: ['match', ['get', 'grade'], 'core', '#1b5e20', 'buffer', '#43a047', 'experimental', '#a5d6a7', '#81c784'], line: '#1b5e20', opacity: 0.45 },
  no_farming: { fill: '#8d6e63', line: '#5d4037', opacity: 0.25 },
  fuel_ban: { fill: '#ab47bc', line: '#6a1b9a', opacity: 0.2 },
};
const OTHER_COLOURS = ['#00897b', '#f4511e', '#5e35b1', '#c0ca33', '#6d4c41'];

// ------------------------------------------------------------------------------------------------ state

const CONFIG = readConfig();
const state = {
  lang: 'zh',
  mode: 'point',
  site: null, // { type: 'point', lon, lat, crs?, converted? } | { type: 'geometry', geometry, crs? } | { type: 'upload', file, crs? }
  upload: null, // the last upload answer { whole, features, file } while the site is that upload
  uploadSel: null, // index of the feature whose assessment is shown (null: the whole file)
  industry: '', // confirmed code
  industryItems: [],
  industryActive: -1,
  facts: {}, // fact name → 'yes' | 'no' | choice value
  factSpecs: {}, // from /v1/rules
  requiredFacts: [], // from /v1/rules info.required_facts: no assessment is requested without them
  serverRequired: new Set(), // facts a 422 /problems/missing-fact named beyond those
  awaiting: null, // { missing: [fact], problem: ApiProblem | null } while the verdict area asks for facts
  missing: [], // facts whose inputs are highlighted
  questions: [],
  last: null, // last Assessment
  lastError: null,
  coordsNote: null, // { key, vars, cls }
  draft: [], // drawing vertices [lon, lat]
  groups: [], // legend groups { id, layers: [style layer], visible }
  titles: {}, // collection id → title
  zoneInfo: null, // { items: [...], details: { code: feature } }
  seq: 0,
  writtenHash: '',
};
let map = null;
let marker = null;

function readConfig() {
  try {
    const text = document.getElementById('config')?.textContent ?? '';
    return text.trim().startsWith('{') ? JSON.parse(text) : {};
  } catch {
    return {};
  }
}

const $ = (id) => document.getElementById(id);

function t(key, vars = {}) {
  const s = I18N[state.lang][key] ?? I18N.zh[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? ''));
}
const pick = (pair) => (Array.isArray(pair) ? pair[state.lang === 'zh' ? 0 : 1] : pair);
const bi = (text) => (text && typeof text === 'object' ? text[state.lang] || text.zh || text.en || '' : text || '');
// "中文 / English" strings from the rulebook → the current language's half.
function half(s) {
  const i = String(s).indexOf(' / ');
  if (i < 0) return s;
  return state.lang === 'zh' ? s.slice(0, i) : s.slice(i + 3);
}

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// ------------------------------------------------------------------------------------------------ API

class ApiProblem extends Error {
  constructor(status, problem, network = null) {
    super(problem?.detail || network || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.network = network;
  }
}

// ------------------------------------------------------------------------------------------------ API key
// A server started with --read-keys-file answers /v1/ only with a key. The page takes it once from its address as
// `#api_key=…` (a fragment never reaches a server, a proxy or their logs), or from the form a 401 answer shows, and
// keeps it for this tab only (sessionStorage), never in the permalink.
const KEY_STORE = 'ecogate.api_key';

/** Moves `api_key` out of the address's fragment into the tab's storage, before the permalink is read. */
function takeKeyFromAddress() {
  const hash = location.hash.replace(/^#/, '');
  if (!hash) return;
  const p = new URLSearchParams(hash);
  if (!p.has('api_key')) return;
  setApiKey(p.get('api_key'));
  p.delete('api_key');
  const rest = p.toString();
  history.replaceState(null, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
}

function apiKey() {
  try { return sessionStorage.getItem(KEY_STORE) || ''; } catch { return ''; }
}

function setApiKey(key) {
  try {
    if (key) sessionStorage.setItem(KEY_STORE, key.trim());
    else sessionStorage.removeItem(KEY_STORE);
  } catch { /* storage off: the key lasts until the page is left */ }
}

/** A link to a /v1/ resource the browser opens itself (no headers): the key goes in `api_key`, which the server
 * accepts for exactly this case and never logs. */
function withKey(url) {
  const key = apiKey();
  return key ? `${url}${url.includes('?') ? '&' : '?'}api_key=${encodeURIComponent(key)}` : url;
}

async function api(path, options = {}) {
  let resp;
  const key = apiKey();
  const auth = key && path.startsWith('/') ? { Authorization: `Bearer ${key}` } : {};
  try {
    resp = await fetch(path, { ...options, headers: { Accept: 'application/json', ...auth, ...(options.headers || {}) } });
  } catch (e) {
    throw new ApiProblem(0, null, e.message || String(e));
  }
  const type = resp.headers.get('content-type') || '';
  if (!resp.ok) {
    const text = await resp.text().catch(() => '');
    let problem = null;
    if (type.includes('json')) try { problem = JSON.parse(text); } catch { /* not a problem document */ }
    throw new ApiProblem(resp.status, problem);
  }
  return resp.json();
}

function problemText(err) {
  if (err instanceof ApiProblem) {
    if (err.network) return t('network_error', { detail: err.network });
    const p = err.problem;
    if (p) {
      const text = state.lang === 'zh' ? p.detail_zh || p.detail || p.title : p.detail || p.detail_zh || p.title;
      return p.pointer ? `${text} (${p.pointer})` : text;
    }
    return t('http_error', { status: err.status });
  }
  return err?.message || String(err);
}

// ------------------------------------------------------------------------------------------------ i18n of static text

function applyLanguage() {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  document.title = `ecogate ${t('app_title')}`;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  $('lang-toggle').textContent = state.lang === 'zh' ? 'EN' : '中文';
  const d = CONFIG.dataset;
  $('dataset-label').textContent = d ? `${d.title} · ${d.version}` : '';
  const notice = d?.illustrative ? (state.lang === 'zh' ? d.notice_zh || d.notice_en : d.notice_en || d.notice_zh) : null;
  $('notice').hidden = !notice;
  $('notice').textContent = notice || '';
  renderCoordsNote();
  renderFacts();
  renderLegend();
  renderZoneInfo();
  if (state.awaiting) renderPrompt();
  else if (state.lastError) renderError(state.lastError);
  else if (state.last) renderResult(state.last);
}

// ------------------------------------------------------------------------------------------------ coordinates

function setCoordsNote(key, vars = {}, cls = '') {
  state.coordsNote = key ? { key, vars, cls } : null;
  renderCoordsNote();
}

function renderCoordsNote() {
  const el = $('coords-note');
  el.textContent = state.coordsNote ? t(state.coordsNote.key, state.coordsNote.vars) : '';
  el.className = `note ${state.coordsNote?.cls || ''}`;
}

/** Reads the coordinate box into state.site; false (with a message) when it cannot be read. Degrees (WGS84, GCJ-02,
 * BD-09) go through the DMS-aware parser; projected numbers are sent as typed and the server detects their order. */
function readCoords() {
  const text = $('coords').value;
  state.coordsDirty = false;
  try {
    const crs = readCrs();
    if (isDegrees(crs)) {
      const p = parseCoordinates(text);
      state.site = { type: 'point', lon: p.lon, lat: p.lat, crs };
      setCoordsNote(p.assumedOrder ? 'assumed_order' : 'parsed', { lon: p.lon, lat: p.lat }, p.assumedOrder ? 'warn' : '');
    } else {
      const p = parseNumberPair(text);
      state.site = { type: 'point', lon: p.a, lat: p.b, crs };
      setCoordsNote('projected_read', { crs, a: p.a, b: p.b });
    }
    return true;
  } catch (e) {
    if (e.key) setCoordsNote(e.key, {}, 'error');
    else if (e instanceof CoordError) setCoordsNote(`coord_${e.code.replace('-', '_')}`, { n: e.detail, detail: e.detail }, 'error');
    else setCoordsNote('coord_unexpected', { detail: e.message }, 'error');
    return false;
  }
}

// ------------------------------------------------------------------------------------------------ coordinate system

/** The crs picked (#crs) as the API names it; '' for the default WGS84/CGCS2000 lon/lat, which is not sent. Throws an
 * Error with `key` (a UI string) when the zone number or EPSG code is missing. */
function readCrs() {
  const v = $('crs').value;
  const fail = (key) => Object.assign(new Error(t(key)), { key });
  if (v === 'wgs84') return '';
  if (v === 'zone') {
    const n = Number($('crs-zone').value);
    if (!Number.isInteger(n) || n < 25 || n > 45) throw fail('crs_need_zone');
    return `cgcs2000-gk3:${n}`;
  }
  if (v === 'epsg') {
    const text = $('crs-epsg').value.trim();
    if (!text) throw fail('crs_need_epsg');
    return /^\d+$/.test(text) ? `EPSG:${text}` : text.replace(/^epsg\s*:\s*/i, 'EPSG:');
  }
  return v;
}

/** Lon/lat degrees (parsed as DMS too), as opposed to projected metres. */
function isDegrees(crs) {
  return !crs || ['gcj02', 'bd09', 'wgs84', 'cgcs2000', 'EPSG:4326', 'EPSG:4490'].includes(crs);
}

/** Sets the picker to a crs name (from a link or a map click). */
function showCrs(crs) {
  const zone = /^cgcs2000-gk3:(\d+)$/.exec(crs || '');
  const listed = [...$('crs').options].some((o) => o.value === crs && !['zone', 'epsg'].includes(crs));
  if (!crs) $('crs').value = 'wgs84';
  else if (zone) { $('crs').value = 'zone'; $('crs-zone').value = zone[1]; }
  else if (listed) $('crs').value = crs;
  else { $('crs').value = 'epsg'; $('crs-epsg').value = crs; } // EPSG codes and any other name the API knows
  syncCrsInputs();
}

function syncCrsInputs() {
  $('crs-zone').hidden = $('crs').value !== 'zone';
  $('crs-epsg').hidden = $('crs').value !== 'epsg';
}

/** Where the marker goes: the server's converted point, or the typed one when it is already WGS84 lon/lat. */
function sitePosition(site) {
  if (site?.type !== 'point') return null;
  if (site.converted) return site.converted;
  return site.crs ? null : [site.lon, site.lat];
}

// ------------------------------------------------------------------------------------------------ industry picker

let industryTimer = null;
let industryQuery = 0;

function setupIndustry() {
  const input = $('industry');
  const list = $('industry-list');
  input.addEventListener('input', () => {
    state.industry = '';
    clearTimeout(industryTimer);
    industryTimer = setTimeout(() => searchIndustries(input.value.trim()), 180);
  });
  input.addEventListener('focus', () => {
    if (!input.value.trim() || !state.industry) searchIndustries(input.value.trim());
  });
  input.addEventListener('keydown', (e) => {
    const n = state.industryItems.length;
    if (e.key === 'ArrowDown' && n) { e.preventDefault(); state.industryActive = (state.industryActive + 1) % n; renderIndustryList(); }
    else if (e.key === 'ArrowUp' && n) { e.preventDefault(); state.industryActive = (state.industryActive - 1 + n) % n; renderIndustryList(); }
    else if (e.key === 'Enter' && !list.hidden && state.industryActive >= 0) { e.preventDefault(); chooseIndustry(state.industryItems[state.industryActive]); }
    else if (e.key === 'Escape') hideIndustryList();
  });
  input.addEventListener('blur', () => setTimeout(hideIndustryList, 150));
}

async function searchIndustries(q) {
  const mine = ++industryQuery;
  try {
    const res = await api(`/v1/industries?limit=30&q=${encodeURIComponent(q)}`);
    if (mine !== industryQuery) return;
    state.industryItems = res.items || [];
    state.industryActive = state.industryItems.length ? 0 : -1;
    if (document.activeElement === $('industry')) renderIndustryList();
  } catch (e) {
    if (mine === industryQuery) setStatus(problemText(e), 'error');
  }
}

function industryName(item) {
  return state.lang === 'zh' ? item.name_zh : item.name_en || item.name_zh;
}

function renderIndustryList() {
  const list = $('industry-list');
  list.replaceChildren(
    ...(state.industryItems.length
      ? state.industryItems.map((item, i) =>
          h('li', { role: 'option', 'aria-selected': i === state.industryActive ? 'true' : 'false', dataset: { code: item.code },
            onmousedown: (e) => { e.preventDefault(); chooseIndustry(item); } },
            h('span', { class: 'code' }, item.code), industryName(item)))
      : [h('li', { 'aria-disabled': 'true' }, t('industry_none'))]),
  );
  list.hidden = false;
  $('industry').setAttribute('aria-expanded', 'true');
}

function hideIndustryList() {
  $('industry-list').hidden = true;
  $('industry').setAttribute('aria-expanded', 'false');
}

function chooseIndustry(item) {
  state.industry = item.code;
  state.industryChosen = item;
  $('industry').value = `${item.code} ${industryName(item)}`;
  hideIndustryList();
  factsChanged();
}

/** The industry code to send: the chosen one, or a code typed at the start of the box. */
function readIndustry() {
  const text = $('industry').value.trim();
  if (!text) return '';
  if (state.industry && text.startsWith(state.industry)) return state.industry;
  const m = /^([A-Za-z]?\d{2,4}|[A-Ta-t])(?:\s|$)/.exec(text);
  if (m) return m[1].toUpperCase();
  throw new Error(t('need_industry'));
}

async function showIndustry(code) {
  state.industry = code;
  $('industry').value = code;
  try {
    const res = await api(`/v1/industries?limit=5&q=${encodeURIComponent(code)}`);
    const item = (res.items || []).find((i) => i.code === code);
    if (item && $('industry').value === code) chooseIndustry(item);
  } catch { /* the code alone is enough */ }
}

// ------------------------------------------------------------------------------------------------ facts

async function loadFactSpecs() {
  try {
    const book = await api('/v1/rules');
    state.factSpecs = book.facts || {};
    state.requiredFacts = Array.isArray(book.info?.required_facts) ? book.info.required_facts.map(String) : [];
  } catch {
    // Without the rulebook the server's 422 /problems/missing-fact still says what is required (see runAssessment).
    state.factSpecs = {};
    state.requiredFacts = [];
  }
  renderFacts();
}

function requiredFacts() {
  return [...new Set([...state.requiredFacts, ...state.serverRequired])];
}

function factLabel(name) {
  const spec = state.factSpecs[name];
  if (spec?.question) return bi(spec.question);
  const q = state.questions.find((x) => x.fact === name);
  return q ? (state.lang === 'zh' ? q.zh : q.en) : name;
}

function factSelect(name) {
  const spec = state.factSpecs[name];
  const options = [['', t('unanswered')]];
  if (spec?.type === 'choice') for (const [v, label] of Object.entries(spec.choices || {})) options.push([v, bi(label)]);
  else options.push(['yes', t('yes')], ['no', t('no')]);
  const sel = h('select', { dataset: { fact: name }, 'aria-label': factLabel(name),
    onchange: (e) => setFact(name, e.target.value) },
    ...options.map(([v, label]) => h('option', { value: v }, label)));
  sel.value = state.facts[name] ?? '';
  return sel;
}

function setFact(name, value) {
  if (value) state.facts[name] = value;
  else delete state.facts[name];
  for (const s of document.querySelectorAll(`select[data-fact="${CSS.escape(name)}"]`)) s.value = value;
  factsChanged();
}

/** A project fact was chosen or changed: while the verdict area waits for facts, try again. */
function factsChanged() {
  if (state.awaiting && state.site) runAssessment();
}

function renderFacts() {
  const asked = new Set(state.questions.map((q) => q.fact));
  const names = [...new Set([...ALWAYS_FACTS, ...requiredFacts(), ...Object.keys(state.facts), ...asked])]
    .filter((n) => !FORM_FACTS.has(n));
  $('facts').replaceChildren(...names.map((name) => {
    const sel = factSelect(name);
    const id = `fact-${name}`;
    sel.id = id;
    return h('div', { class: `fact${asked.has(name) ? ' asked' : ''}` }, h('label', { for: id }, factLabel(name)), sel);
  }));
  $('industry').classList.toggle('asked', asked.has('industry'));
  $('nature').classList.toggle('asked', asked.has('nature'));
  markMissing();
}

/** Highlights the inputs of state.missing (and only those), with their labels. */
function markMissing() {
  const missing = new Set(state.missing);
  const inputs = [$('industry'), $('nature'), ...document.querySelectorAll('select[data-fact]')];
  for (const el of inputs) {
    const name = el.dataset.fact || el.id;
    const on = missing.has(name);
    el.classList.toggle('missing', on);
    if (on) el.setAttribute('aria-invalid', 'true');
    else el.removeAttribute('aria-invalid');
    if (el.id) document.querySelector(`label[for="${CSS.escape(el.id)}"]`)?.classList.toggle('missing', on);
  }
}

// ------------------------------------------------------------------------------------------------ assessment

function setStatus(text, cls = '') {
  $('status').textContent = text || '';
  $('status').className = `note ${cls}`;
}

/** The facts to send. `lenient`: a typed industry that is not a code is left out instead of throwing. */
function collectFacts(lenient = false) {
  const facts = { ...state.facts };
  let industry = '';
  try {
    industry = readIndustry();
  } catch (e) {
    if (!lenient) throw e;
  }
  if (industry) facts.industry = industry;
  const nature = $('nature').value;
  if (nature) facts.nature = nature;
  return facts;
}

async function runAssessment() {
  if (!state.site) {
    setStatus(t('need_site'), 'error');
    return;
  }
  if (state.site.type !== 'upload') state.upload = null;
  showSite(); // the marker or footprint shows where the reviewer clicked, whatever follows
  const mine = ++state.seq;
  await rulesReady; // the required facts come from /v1/rules
  if (mine !== state.seq) return;
  let industryError = null;
  try { readIndustry(); } catch (e) { industryError = e; }
  const facts = collectFacts(true);
  // Without the rulebook's required facts the server answers 422; ask for them here instead of sending the request.
  const missing = requiredFacts().filter((f) => facts[f] === undefined || facts[f] === '');
  if (missing.length) {
    showPrompt(missing);
    setStatus(industryError ? industryError.message : '', industryError ? 'error' : '');
    return;
  }
  if (industryError) {
    setStatus(industryError.message, 'error');
    state.missing = ['industry'];
    markMissing();
    $('industry').focus();
    return;
  }
  state.awaiting = null;
  state.missing = [];
  markMissing();
  const site = state.site;
  setStatus(site.type === 'upload' ? t('uploading', { name: site.file.name }) : t('assessing'));
  try {
    let a;
    if (site.type === 'point') {
      // Projected numbers go as lon/lat in the order typed: the server detects the order and says so.
      const q = new URLSearchParams({ lon: String(site.lon), lat: String(site.lat), ...(site.crs ? { crs: site.crs } : {}), ...facts });
      a = await api(`/v1/assessments?${q}`);
    } else if (site.type === 'upload') {
      const form = new FormData();
      form.append('file', site.file, site.file.name);
      form.append('facts', JSON.stringify(facts));
      if (site.crs) form.append('crs', site.crs);
      const u = await api('/v1/assessments/upload', { method: 'POST', body: form });
      if (mine !== state.seq) return;
      state.upload = u;
      state.uploadSel = null;
      a = u.whole;
    } else {
      a = await api('/v1/assessments', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ geometry: site.geometry, ...(site.crs ? { crs: site.crs } : {}), facts }),
      });
    }
    if (mine !== state.seq) return;
    state.last = a;
    state.lastError = null;
    state.questions = a.questions || [];
    setStatus('');
    renderFacts();
    renderResult(a);
    if (site.type === 'point' && site.crs && Array.isArray(a.site?.converted_coordinates)) {
      site.converted = a.site.converted_coordinates; // the marker goes to the converted point
      showSite();
      focusSite();
    }
    if (site.type === 'upload') {
      showSite();
      const box = geometryBox(uploadCollection());
      if (map && box && box.every(Number.isFinite)) fitExtent(box);
      $('upload')?.scrollIntoView({ block: 'start' }); // the features list, not the form, is what comes next
    } else {
      writePermalink(facts);
    }
  } catch (e) {
    if (mine !== state.seq) return;
    setStatus('');
    state.upload = null;
    const fact = missingFactOf(e);
    if (fact !== null) {
      // The server requires a fact the rulebook listing did not (or the page could not read it): its own words, and
      // the input it names highlighted; choosing it runs the assessment again.
      if (fact) state.serverRequired.add(fact);
      showPrompt(fact ? [fact] : [], e);
      return;
    }
    state.last = null;
    state.lastError = e;
    renderError(e);
  }
}

/** For a 422 /problems/missing-fact: the fact its pointer names ('' when none); otherwise null. */
function missingFactOf(e) {
  const p = e instanceof ApiProblem ? e.problem : null;
  if (!p || !/\/problems\/missing-fact$/.test(String(p.type || ''))) return null;
  // "/facts/nature" (POST body) or "nature" (GET query parameter); JSON-pointer escapes undone.
  const last = String(p.pointer || '').replace(/^\/?(facts\/)?/, '').split('/')[0];
  return last.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** The verdict area asks for the missing facts, and their inputs are highlighted, instead of a verdict. */
function showPrompt(missing, problem = null) {
  state.awaiting = { missing, problem };
  state.missing = missing;
  state.last = null;
  state.lastError = null;
  state.questions = [];
  renderFacts(); // adds selects for required facts without their own input, and highlights
  renderPrompt();
}

function joinList(items) {
  if (items.length < 2) return items[0] || '';
  const head = items.slice(0, -1).join(state.lang === 'zh' ? '、' : ', ');
  return `${head}${state.lang === 'zh' ? '和' : ' and '}${items[items.length - 1]}`;
}

function pendingSiteText() {
  const s = state.site;
  if (s?.type === 'point') return t('site_point', { lon: s.lon.toFixed(6), lat: s.lat.toFixed(6) });
  if (s?.type === 'upload') return t('site_file', { name: s.file.name });
  return s ? t('site_drawn') : '';
}

function renderPrompt() {
  const { missing, problem } = state.awaiting;
  const others = missing.filter((f) => !FORM_FACTS.has(f));
  const names = missing.filter((f) => FORM_FACTS.has(f)).map((f) => t(`fact_${f}`));
  if (others.length) names.push(t('facts_below'));
  const text = problem ? problemDetail(problem) : t('need_facts', { facts: joinList(names) });
  const box = $('result');
  box.hidden = false;
  box.replaceChildren(h('div', { id: 'prompt', class: 'prompt', role: 'status', dataset: { missing: missing.join(' ') } },
    h('strong', { id: 'prompt-text' }, text),
    h('small', {}, pendingSiteText()),
    others.length > 0 && h('div', { class: 'prompt-facts' }, ...others.map((name) =>
      h('div', { class: 'fact' }, h('label', {}, factLabel(name)), factSelect(name)))),
    h('p', { class: 'note' }, t('prompt_hint'))));
  markMissing();
}

/** A problem's detail in the current language, without the pointer. */
function problemDetail(err) {
  const p = err?.problem;
  if (!p) return problemText(err);
  return (state.lang === 'zh' ? p.detail_zh || p.detail : p.detail || p.detail_zh) || p.title || problemText(err);
}

function renderError(e) {
  const box = $('result');
  box.hidden = false;
  box.replaceChildren(h('p', { class: 'error-text', id: 'error', role: 'alert' }, problemText(e)), e?.status === 401 ? keyForm() : null);
}

/** Asks for the API key a 401 answer wants, then loads the rulebook and assesses again with it. */
function keyForm() {
  const input = h('input', { id: 'api-key', type: 'password', autocomplete: 'off', placeholder: t('api_key') });
  const form = h('form', { id: 'api-key-form', class: 'key-form' },
    h('label', { for: 'api-key' }, t('api_key_hint')), input,
    h('button', { type: 'submit', class: 'button' }, t('api_key_use')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!input.value.trim()) return;
    setApiKey(input.value);
    await loadFactSpecs();
    runAssessment();
  });
  return form;
}

function fmtNumber(v, digits = 0) {
  return Number(v).toLocaleString(state.lang === 'zh' ? 'zh-CN' : 'en-US', { maximumFractionDigits: digits });
}
function fmtArea(m2) {
  return m2 >= 1e5 ? `${fmtNumber(m2 / 1e4, 2)} ha` : `${fmtNumber(m2)} m²`;
}
function fmtLength(m) {
  return m >= 1000 ? `${fmtNumber(m / 1000, 2)} km` : `${fmtNumber(m, 1)} m`;
}
function gradeLabel(z) {
  if (state.lang === 'zh' && z.grade_zh) return z.grade_zh;
  return z.grade ? pick(GRADE_NAMES[z.grade]) || z.grade : '';
}
function layerTitle(id) {
  const known = LAYER_NAMES[id];
  if (state.lang === 'zh') return state.titles[id] || (known && known[0]) || id;
  return (known && known[1]) || state.titles[id] || id;
}

// The server's summary names rule ids; the page says the same with the rules' titles, in the current language.
function summaryText(a) {
  if ((a.warnings || []).some((w) => w.code === 'outside_coverage')) return t('sum_outside');
  const sep = state.lang === 'zh' ? '；' : '; ';
  const titles = (o) => [...new Set(a.rules.filter((r) => r.outcome === o).map((r) => bi(r.title)))].join(sep);
  switch (a.verdict) {
    case 'prohibited': return t('sum_prohibited', { rules: titles('prohibited') });
    case 'restricted': return t('sum_restricted', { rules: titles('restricted') });
    case 'undetermined': return t('sum_undetermined', { questions: a.questions.map((q) => (state.lang === 'zh' ? q.zh : q.en)).join(' ') });
    case 'permitted': return t('sum_permitted');
    default: return a.summary;
  }
}

function siteText(a) {
  const s = a.site || {};
  if (s.geometry_type === 'Point') return t('site_point', { lon: s.lon?.toFixed(6), lat: s.lat?.toFixed(6) });
  if (s.area_m2 != null) return t('site_polygon', { area: fmtArea(s.area_m2) });
  if (s.length_m != null) return t('site_line', { length: fmtLength(s.length_m) });
  return '';
}

function verdictLabel(a) {
  return state.lang === 'zh' ? a.verdict_zh || t(`v_${a.verdict}`) : t(`v_${a.verdict}`);
}

/** The input CRS, the converted lon/lat and the axis order the server assumed, for points sent in another CRS. */
function crsInfo(a) {
  const s = a.site || {};
  if (state.site?.type === 'upload' || !s.input_crs || s.input_crs === 'wgs84' || !Array.isArray(s.converted_coordinates)) return null;
  const [lon, lat] = s.converted_coordinates;
  return h('p', { class: 'crs-info', id: 'crs-info', dataset: { axis: s.axis_order_assumed || '' } },
    t('crs_info', { crs: s.input_crs_epsg && s.input_crs_epsg !== s.input_crs ? `${s.input_crs} (${s.input_crs_epsg})` : s.input_crs,
      input: (s.input_coordinates || []).join(', '), lon: lon.toFixed(6), lat: lat.toFixed(6) }),
    s.axis_order_assumed && h('br'),
    s.axis_order_assumed && h('span', { id: 'axis-info' }, t('axis_info', { order: t(`axis_${s.axis_order_assumed}`) })));
}

function featureName(f) {
  return f.name || t('feature_unnamed', { n: f.index + 1 });
}

/** For an upload: the file, the whole-file verdict, the features (each clickable) and the file's notes. */
function uploadParts(u) {
  const f = u.file || {};
  const sel = state.uploadSel;
  const chosen = u.features.find((x) => x.index === sel);
  return h('div', { id: 'upload', class: 'upload' },
    h('p', { class: 'note', id: 'upload-file' }, t('upload_title', { name: f.name || '', format: f.format || '', crs: f.crs || '', n: u.features.length })),
    h('button', { type: 'button', id: 'upload-whole', class: `whole ${u.whole.verdict}${sel == null ? ' selected' : ''}`,
      dataset: { verdict: u.whole.verdict }, onclick: () => selectFeature(null) },
    h('span', {}, t('upload_whole')), h('strong', {}, verdictLabel(u.whole))),
    h('h3', {}, t('features_title', { n: u.features.length })),
    h('ol', { id: 'features', class: 'features' }, ...u.features.map((x) => h('li', {},
      h('button', { type: 'button', class: sel === x.index ? 'selected' : '', dataset: { index: x.index, verdict: x.assessment.verdict },
        onclick: () => selectFeature(x.index) },
      h('span', { class: 'name' }, featureName(x)), h('span', { class: `badge ${x.assessment.verdict}` }, verdictLabel(x.assessment)))))),
    f.notes?.length > 0 && [h('h3', {}, t('file_notes')), h('ul', { id: 'file-notes', class: 'warnings' }, ...f.notes.map((n) =>
      h('li', { dataset: { kind: n.kind } }, state.lang === 'zh' ? n.detail_zh || n.detail : n.detail || n.detail_zh)))],
    chosen && h('p', { class: 'note', id: 'showing' }, t('showing_feature', { name: featureName(chosen) })));
}

/** Shows one uploaded feature's assessment (null: the whole file's), and outlines it on the map. */
function selectFeature(index) {
  const u = state.upload;
  if (!u) return;
  const f = u.features.find((x) => x.index === index);
  state.uploadSel = f ? index : null;
  state.last = f ? f.assessment : u.whole;
  state.questions = state.last.questions || [];
  renderFacts();
  renderResult(state.last);
  if (map?.getLayer('_upload-sel')) map.setFilter('_upload-sel', ['==', ['get', 'index'], f ? index : -1]);
}

function renderResult(a) {
  const box = $('result');
  box.hidden = false;
  const parts = [];
  if (state.upload && state.site?.type === 'upload') parts.push(uploadParts(state.upload));
  parts.push(h('div', { id: 'verdict', class: `verdict ${a.verdict}`, dataset: { verdict: a.verdict } },
    h('span', { id: 'verdict-label' }, verdictLabel(a)),
    h('small', {}, siteText(a))));
  parts.push(crsInfo(a));
  parts.push(h('p', { class: 'summary', id: 'summary', title: a.summary }, summaryText(a)));
  parts.push(reportLinks(a));

  if (a.questions?.length) {
    parts.push(h('div', { class: 'questions', id: 'questions' },
      h('h3', {}, t('questions_title')),
      ...a.questions.map((q) => h('div', { class: 'fact asked' },
        h('label', {}, state.lang === 'zh' ? q.zh : q.en),
        FORM_FACTS.has(q.fact) ? h('p', { class: 'note' }, t('answer_above')) : factSelect(q.fact))),
      h('p', { class: 'note' }, t('questions_hint')),
      h('button', { type: 'button', class: 'primary', onclick: () => runAssessment() }, t('rerun'))));
  }

  parts.push(h('h3', {}, t('zones_title', { n: a.zones.length })));
  const overlaps = a.site?.geometry_type !== 'Point'; // a point lies in a zone or not: no overlap to show
  parts.push(a.zones.length
    ? h('table', { id: 'zones' },
      h('thead', {}, h('tr', {}, ...['col_layer', 'col_code', 'col_name', 'col_grade', overlaps && 'col_overlap'].filter(Boolean).map((k) => h('th', {}, t(k))))),
      h('tbody', {}, ...a.zones.map((z) => h('tr', {},
        h('td', {}, layerTitle(z.layer)), h('td', { class: 'code' }, z.code), h('td', {}, z.name), h('td', {}, gradeLabel(z)),
        overlaps && h('td', {}, overlapText(z))))))
    : h('p', { class: 'note' }, t('no_zones')));

  const applied = a.rules.filter((r) => r.outcome !== 'not_triggered');
  const others = a.rules.filter((r) => r.outcome === 'not_triggered');
  parts.push(h('h3', {}, t('rules_title', { n: applied.length })));
  parts.push(h('div', { id: 'rules' }, ...applied.map(ruleCard)));
  if (others.length) parts.push(h('details', {}, h('summary', {}, t('other_rules', { n: others.length })), ...others.map(ruleCard)));

  const radius = fmtLength(a.nearby_radius_m ?? 1000);
  parts.push(h('h3', {}, t('nearby_title', { r: radius })));
  parts.push(a.nearby?.length
    ? h('table', { id: 'nearby' },
      h('thead', {}, h('tr', {}, ...['col_layer', 'col_code', 'col_name', 'col_distance'].map((k) => h('th', {}, t(k))))),
      h('tbody', {}, ...a.nearby.map((n) => h('tr', {},
        h('td', {}, `${layerTitle(n.layer)}${n.grade ? ` · ${gradeLabel(n)}` : ''}`), h('td', { class: 'code' }, n.code),
        h('td', {}, n.name), h('td', {}, fmtLength(n.distance_m))))))
    : h('p', { class: 'note' }, t('no_nearby')));

  if (a.facts?.derived?.length) {
    parts.push(h('h3', {}, t('derived_title')));
    parts.push(h('ul', {}, ...a.facts.derived.map((d) =>
      h('li', {}, h('span', { class: 'code' }, `${d.fact} = ${valueText(d.value)}`), ' — ', bi(d.because)))));
  }
  if (a.warnings?.length) {
    parts.push(h('h3', {}, t('warnings_title')));
    parts.push(h('ul', { class: 'warnings', id: 'warnings' }, ...a.warnings.map((w) =>
      h('li', { dataset: { code: w.code } }, state.lang === 'zh' ? w.zh : w.en))));
  }
  parts.push(h('p', { class: 'versions', id: 'versions' }, t('versions', {
    dataset: a.dataset?.title, dversion: a.dataset?.version, rulebook: a.rulebook?.id, rversion: a.rulebook?.version, engine: a.engine,
  })));
  box.replaceChildren(...parts.filter(Boolean));
}

/** The printable report of a recorded answer (it has an id), HTML or PDF, in the page's language, in a new tab. */
function reportLinks(a) {
  if (!a.id) return null;
  const url = (format) => withKey(`/v1/assessments/${encodeURIComponent(a.id)}/report?format=${format}&lang=${state.lang}`);
  return h('p', { class: 'report-links' },
    h('a', { id: 'report-button', class: 'button', href: url('html'), target: '_blank', rel: 'noopener', title: t('report_hint') }, t('report')),
    h('a', { id: 'report-pdf', class: 'button', href: url('pdf'), target: '_blank', rel: 'noopener', title: t('report_hint') }, t('report_pdf')),
    h('span', { class: 'code' }, a.id));
}

function valueText(v) {
  if (v === true || v === 'yes') return t('yes');
  if (v === false || v === 'no') return t('no');
  return String(v);
}

function overlapText(z) {
  const bits = [];
  if (z.overlap_area_m2 != null) bits.push(fmtArea(z.overlap_area_m2));
  if (z.overlap_share != null) bits.push(`${fmtNumber(z.overlap_share * 100, 1)}%`);
  if (z.crossing_length_m != null) bits.push(fmtLength(z.crossing_length_m));
  return bits.join(' · ') || '—';
}

function ruleCard(r) {
  const c = r.citation || {};
  const where = r.zone_code ? `${r.zone_name || ''}（${r.zone_code}）` : '';
  return h('div', { class: `rule ${r.outcome}`, dataset: { rule: r.rule_id, outcome: r.outcome } },
    h('div', { class: 'head' },
      h('span', { class: `badge ${r.outcome}` }, t(`o_${r.outcome}`)),
      h('span', { class: 'title' }, bi(r.title)),
      where && h('span', { class: 'note' }, where)),
    r.reason && r.outcome === 'not_triggered' && h('div', { class: 'note' }, `${t('reason')}: ${r.reason}`),
    r.conditions?.length > 0 && h('div', {}, h('div', { class: 'note' }, t('conditions')), h('ul', {}, ...r.conditions.map((x) => h('li', {}, bi(x))))),
    r.missing_facts?.length > 0 && h('div', {}, h('div', { class: 'note' }, t('missing')), h('ul', {}, ...r.missing_facts.map((f) => h('li', {}, factLabel(f))))),
    r.exceptions_not_claimed?.length > 0 && h('div', {}, h('div', { class: 'note' }, t('exceptions')),
      h('ul', {}, ...r.exceptions_not_claimed.map((x) => h('li', {}, half(x))))),
    h('div', { class: 'citation' },
      h('strong', {}, c.instrument), ' ', h('span', { class: 'article' }, c.article),
      c.verified === false && h('span', { class: 'badge unverified', title: c.note || '' }, ` ⚠ ${t('unverified')}`),
      c.text && h('blockquote', {}, c.text),
      c.note && h('div', { class: 'note' }, `${t('note')}: ${c.note}`),
      c.source && h('div', { class: 'note' }, `${t('source')}: ${c.source}`)));
}

// ------------------------------------------------------------------------------------------------ permalink

function writePermalink(facts) {
  if (state.site.type === 'upload') return; // a file cannot travel in a link
  const p = new URLSearchParams();
  if (state.site.type === 'point') {
    p.set('lon', state.site.lon.toFixed(6));
    p.set('lat', state.site.lat.toFixed(6));
  } else {
    p.set('geom', JSON.stringify(state.site.geometry));
  }
  if (state.site.crs) p.set('crs', state.site.crs);
  for (const [k, v] of Object.entries(facts)) p.set(k, v);
  if (map) p.set('z', map.getZoom().toFixed(2));
  if (state.lang !== 'zh') p.set('lang', state.lang);
  const hash = `#${p}`;
  state.writtenHash = hash;
  history.replaceState(null, '', hash);
  $('permalink').value = location.href;
}

/** Restores the form from the URL hash; true when it holds a site to assess. */
function readPermalink() {
  const hash = location.hash.replace(/^#/, '');
  if (!hash) return false;
  const p = new URLSearchParams(hash);
  const facts = {};
  let site = null;
  const lon = Number(p.get('lon'));
  const lat = Number(p.get('lat'));
  if (p.has('lon') && p.has('lat') && Number.isFinite(lon) && Number.isFinite(lat)) site = { type: 'point', lon, lat };
  if (p.has('geom')) {
    try { site = { type: 'geometry', geometry: JSON.parse(p.get('geom')) }; } catch { /* ignored: bad link */ }
  }
  for (const [k, v] of p) if (!['lon', 'lat', 'geom', 'crs', 'z', 'lang', 'industry', 'nature'].includes(k)) facts[k] = v;
  const crs = p.get('crs') || '';
  showCrs(crs);
  if (site && crs) site.crs = crs;
  if (p.get('lang') === 'en' || p.get('lang') === 'zh') state.lang = p.get('lang');
  state.facts = facts;
  $('nature').value = p.get('nature') || '';
  if (p.get('industry')) showIndustry(p.get('industry'));
  else { state.industry = ''; $('industry').value = ''; }
  state.linkZoom = p.has('z') ? Number(p.get('z')) : null;
  state.site = site;
  if (site?.type === 'point') {
    $('coords').value = formatLonLat(site.lon, site.lat);
    setCoordsNote(null);
  }
  if (site?.type === 'geometry') $('geojson').value = JSON.stringify(site.geometry);
  renderFacts();
  return !!site;
}

async function copyPermalink() {
  if (!state.site) {
    setStatus(t('need_site'), 'error');
    return;
  }
  if (state.site.type === 'upload') {
    setStatus(t('no_link_upload'), 'warn');
    return;
  }
  writePermalink(safeFacts());
  const url = $('permalink').value;
  $('permalink').hidden = false;
  try {
    await navigator.clipboard.writeText(url);
    setStatus(t('copied'));
  } catch {
    $('permalink').select();
    setStatus(t('copy_manual'), 'warn');
  }
}

function safeFacts() {
  return collectFacts(true);
}

// ------------------------------------------------------------------------------------------------ map: style

async function loadStyle() {
  let styleError;
  try {
    const style = await api('/styles/ecogate.json');
    await loadTitles(); // titles and extent for the legend and the first view; the style alone works without them
    return { style, origin: 'style' };
  } catch (e) {
    styleError = e;
  }
  try {
    return { style: await fallbackStyle(), origin: 'collections' };
  } catch (e) {
    showBanner(t('map_unavailable', { detail: `${problemText(styleError)} ${problemText(e)}` }));
    return { style: { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef1f4' } }] }, origin: 'none' };
  }
}

async function loadTitles() {
  try {
    const res = await api('/collections');
    for (const c of res.collections || []) state.titles[c.id] = c.title || c.id;
    state.extent = unionExtent(res.collections || []);
    renderLegend();
  } catch { /* optional */ }
}

function unionExtent(collections) {
  let box = null;
  for (const c of collections) {
    const b = c.extent?.spatial?.bbox?.[0];
    if (!Array.isArray(b) || b.length < 4) continue;
    const [x0, y0, x1, y1] = b.length === 6 ? [b[0], b[1], b[3], b[4]] : b;
    box = box ? [Math.min(box[0], x0), Math.min(box[1], y0), Math.max(box[2], x1), Math.max(box[3], y1)] : [x0, y0, x1, y1];
  }
  return box;
}

/** A style built from the OGC API collections, for servers without /styles/ecogate.json. */
async function fallbackStyle() {
  const res = await api('/collections');
  const collections = res.collections || [];
  if (!collections.length) throw new Error('no collections');
  const style = { version: 8, name: 'ecogate (from /collections)', sources: {}, layers: [
    { id: 'background', type: 'background', paint: { 'background-color': '#eef1f4' } }] };
  let box = null;
  const datas = await Promise.all(collections.map((c) => fetchAllItems(c.id)));
  collections.forEach((c, i) => {
    state.titles[c.id] = c.title || c.id;
    const data = datas[i];
    for (const f of data.features) box = extendBox(box, f.geometry);
    const col = FALLBACK_COLOURS[c.id] || { fill: OTHER_COLOURS[i % OTHER_COLOURS.length], line: OTHER_COLOURS[i % OTHER_COLOURS.length], opacity: 0.3 };
    style.sources[c.id] = { type: 'geojson', data };
    style.layers.push(
      { id: `${c.id}-fill`, type: 'fill', source: c.id, paint: { 'fill-color': col.fill, 'fill-opacity': col.opacity } },
      { id: `${c.id}-line`, type: 'line', source: c.id, paint: { 'line-color': col.line, 'line-width': c.id === 'control_units' ? 0.8 : 1.4 } });
  });
  state.extent = unionExtent(collections) || box;
  return style;
}

async function fetchAllItems(id) {
  let url = `/collections/${encodeURIComponent(id)}/items?limit=1000`;
  const features = [];
  for (let page = 0; url && page < 20; page += 1) {
    const fc = await api(url, { headers: { Accept: 'application/geo+json, application/json' } });
    features.push(...(fc.features || []).map((f) => ({ ...f, properties: { layer: id, code: f.id, ...(f.properties || {}) } })));
    url = (fc.links || []).find((l) => l.rel === 'next')?.href || null;
  }
  return { type: 'FeatureCollection', features };
}

function extendBox(box, g) {
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      box = box ? [Math.min(box[0], c[0]), Math.min(box[1], c[1]), Math.max(box[2], c[0]), Math.max(box[3], c[1])] : [c[0], c[1], c[0], c[1]];
    } else c.forEach(walk);
  };
  if (g?.coordinates) walk(g.coordinates);
  return box;
}

function addBaseMap(style) {
  if (!CONFIG.base_map_url) return;
  style.sources = { ...style.sources, basemap: { type: 'raster', tiles: [CONFIG.base_map_url], tileSize: 256 } };
  const layers = style.layers || [];
  const bg = layers.findIndex((l) => l.type === 'background');
  layers.splice(bg + 1, 0, { id: '_basemap', type: 'raster', source: 'basemap' });
  style.layers = layers;
}

// ------------------------------------------------------------------------------------------------ map: legend

function zoneLayers() {
  if (!map?.getStyle()) return [];
  return map.getStyle().layers.filter((l) => l.source && !l.id.startsWith('_') && l.type !== 'raster' && l.type !== 'background');
}

function groupOf(layerId) {
  const i = layerId.lastIndexOf('-');
  return i > 0 ? layerId.slice(0, i) : layerId;
}

function buildGroups() {
  const groups = new Map();
  for (const l of zoneLayers()) {
    const id = groupOf(l.id);
    if (!groups.has(id)) groups.set(id, { id, layers: [], visible: true });
    groups.get(id).layers.push(l);
  }
  state.groups = [...groups.values()];
  for (const g of state.groups) g.visible = g.layers.some((l) => (l.layout?.visibility ?? 'visible') !== 'none');
  renderLegend();
}

/** Colours named in a paint value: a plain colour, or the outputs of a match/step/case expression. */
function paintColours(v) {
  if (typeof v === 'string') return { main: v, entries: [] };
  if (!Array.isArray(v)) return { main: null, entries: [] };
  const entries = [];
  if (v[0] === 'match') {
    for (let i = 2; i + 1 < v.length; i += 2) {
      const labels = Array.isArray(v[i]) ? v[i] : [v[i]];
      if (typeof v[i + 1] === 'string') entries.push({ value: labels.join(', '), colour: v[i + 1] });
    }
  }
  const flat = JSON.stringify(v).match(/"(#[0-9a-fA-F]{3,8}|rgba?\([^)]*\)|hsla?\([^)]*\))"/);
  return { main: entries[0]?.colour || (flat && flat[1]), entries };
}

function groupSwatch(g) {
  let fill = null, line = null, entries = [], opacity = 1;
  for (const l of g.layers) {
    const p = l.paint || {};
    if (l.type === 'fill' && !fill) {
      const c = paintColours(p['fill-color']); fill = c.main; entries = c.entries;
      if (typeof p['fill-opacity'] === 'number') opacity = p['fill-opacity'];
    } else if (l.type === 'line' && !line) line = paintColours(p['line-color']).main;
    else if (l.type === 'circle' && !fill) fill = paintColours(p['circle-color']).main;
    else if (l.type === 'fill-extrusion' && !fill) fill = paintColours(p['fill-extrusion-color']).main;
  }
  return { fill, line, entries, opacity: Math.max(opacity, 0.45) };
}

function swatchEl(fill, line, opacity) {
  const el = h('span', { class: 'swatch' });
  if (fill) { el.style.backgroundColor = fill; el.style.opacity = String(opacity); }
  if (line) el.style.borderColor = line;
  if (!fill && line) { el.style.height = '0'; el.style.borderWidth = '2px 0 0'; }
  return el;
}

function renderLegend() {
  const ul = $('legend-list');
  $('legend').hidden = !state.groups.length;
  ul.replaceChildren(...state.groups.map((g) => {
    const sw = groupSwatch(g);
    return h('li', { dataset: { group: g.id } },
      h('label', {},
        h('input', { type: 'checkbox', checked: g.visible, dataset: { group: g.id }, onchange: (e) => setGroupVisible(g, e.target.checked) }),
        swatchEl(sw.fill, sw.line, sw.opacity), h('span', {}, layerTitle(g.id))),
      sw.entries.length > 1 && h('div', { class: 'sub' }, ...sw.entries.map((e) =>
        h('span', {}, swatchEl(e.colour, null, sw.opacity), pick(GRADE_NAMES[e.value]) || e.value))));
  }));
}

function setGroupVisible(g, visible) {
  g.visible = visible;
  for (const l of g.layers) if (map.getLayer(l.id)) map.setLayoutProperty(l.id, 'visibility', visible ? 'visible' : 'none');
}

// ------------------------------------------------------------------------------------------------ map: zone details

function showZoneInfo(features) {
  const seen = new Set();
  const items = [];
  for (const f of features) {
    const p = f.properties || {};
    const layer = p.layer || groupOf(f.layer.id);
    const code = p.code ?? f.id;
    if (code == null || seen.has(`${layer}/${code}`)) continue;
    seen.add(`${layer}/${code}`);
    items.push({ layer, code: String(code), name: p.name, kind: p.kind, grade: p.grade, grade_zh: p.grade_zh });
  }
  state.zoneInfo = items.length ? { items, details: {} } : null;
  renderZoneInfo();
  const info = state.zoneInfo;
  for (const it of items) {
    api(`/v1/zones/${encodeURIComponent(it.code)}`).then((fc) => {
      const f = (fc.features || []).find((x) => x.properties?.layer === it.layer) || fc.features?.[0];
      info.details[it.code] = f?.properties || {};
    }).catch((e) => { info.details[it.code] = { error: problemText(e) }; })
      .finally(() => { if (state.zoneInfo === info) renderZoneInfo(); });
  }
}

function renderZoneInfo() {
  const info = state.zoneInfo;
  $('zone-info').hidden = !info;
  if (!info) return;
  $('zone-body').replaceChildren(...info.items.map((it) => {
    const d = info.details[it.code];
    const req = d?.requirements || {};
    const present = REQUIREMENT_KEYS.filter((k) => req[k]);
    return h('div', { class: 'zone', dataset: { code: it.code } },
      h('h3', {}, `${it.name || ''} `, h('span', { class: 'code' }, it.code)),
      h('dl', {},
        h('dt', {}, t('zone_kind')), h('dd', {}, layerTitle(it.layer)),
        (it.grade || it.grade_zh) && [h('dt', {}, t('zone_grade')), h('dd', {}, gradeLabel(it))],
        d?.subclass && [h('dt', {}, t('zone_subclass')), h('dd', {}, d.subclass)],
        d?.area_m2 && [h('dt', {}, t('zone_area')), h('dd', {}, fmtArea(d.area_m2))],
        h('dt', {}, t('zone_requirements')),
        h('dd', {}, !d ? t('zone_loading') : d.error ? h('span', { class: 'error-text' }, d.error)
          : present.length ? h('dl', { class: 'requirements' }, ...present.flatMap((k) => [h('dt', {}, t(`req_${k}`)), h('dd', {}, req[k])]))
            : t('zone_no_requirements'))));
  }));
}

// ------------------------------------------------------------------------------------------------ map: site and drawing

const EMPTY = { type: 'FeatureCollection', features: [] };

function addOverlayLayers() {
  map.addSource('_site', { type: 'geojson', data: EMPTY });
  map.addSource('_draw', { type: 'geojson', data: EMPTY });
  map.addSource('_upload', { type: 'geojson', data: EMPTY });
  const byVerdict = ['match', ['get', 'verdict'], 'prohibited', '#c62828', 'restricted', '#e69500', 'permitted', '#2e7d32', '#616161'];
  map.addLayer({ id: '_upload-fill', type: 'fill', source: '_upload', paint: { 'fill-color': byVerdict, 'fill-opacity': 0.35 } });
  map.addLayer({ id: '_upload-line', type: 'line', source: '_upload', paint: { 'line-color': byVerdict, 'line-width': 2.5 } });
  map.addLayer({ id: '_upload-sel', type: 'line', source: '_upload', filter: ['==', ['get', 'index'], -1], paint: { 'line-color': '#111', 'line-width': 4 } });
  map.addLayer({ id: '_site-fill', type: 'fill', source: '_site', paint: { 'fill-color': '#ff6f00', 'fill-opacity': 0.25 } });
  map.addLayer({ id: '_site-line', type: 'line', source: '_site', paint: { 'line-color': '#e65100', 'line-width': 2.5 } });
  map.addLayer({ id: '_draw-fill', type: 'fill', source: '_draw', filter: ['==', '$type', 'Polygon'], paint: { 'fill-color': '#ff6f00', 'fill-opacity': 0.15 } });
  map.addLayer({ id: '_draw-line', type: 'line', source: '_draw', filter: ['!=', '$type', 'Point'], paint: { 'line-color': '#e65100', 'line-width': 2, 'line-dasharray': [2, 1] } });
  map.addLayer({ id: '_draw-vertex', type: 'circle', source: '_draw', filter: ['==', '$type', 'Point'], paint: { 'circle-radius': 4, 'circle-color': '#fff', 'circle-stroke-color': '#e65100', 'circle-stroke-width': 2 } });
}

/** The uploaded features as GeoJSON, with their verdicts for the colours. */
function uploadCollection() {
  const u = state.upload;
  if (!u || state.site?.type !== 'upload') return EMPTY;
  return { type: 'FeatureCollection', features: u.features.filter((x) => x.geometry).map((x) => ({
    type: 'Feature', properties: { index: x.index, name: featureName(x), verdict: x.assessment.verdict }, geometry: x.geometry })) };
}

function showSite() {
  if (!map || !map.getSource('_site')) return;
  const site = state.site;
  const at = sitePosition(site);
  if (at && Math.abs(at[0]) <= 180 && Math.abs(at[1]) <= 90) {
    if (!marker) marker = new maplibregl.Marker({ color: '#e65100' });
    marker.setLngLat(at).addTo(map);
  } else {
    marker?.remove();
  }
  // A footprint pasted in another CRS is not lon/lat: only the server's answer places it.
  const shape = site?.type === 'geometry' && !site.crs && ['Polygon', 'MultiPolygon', 'LineString', 'MultiLineString', 'Feature', 'FeatureCollection']
    .includes(site.geometry?.type) ? site.geometry : EMPTY;
  map.getSource('_site').setData(shape);
  map.getSource('_upload').setData(uploadCollection());
  map.setFilter('_upload-sel', ['==', ['get', 'index'], state.uploadSel ?? -1]);
}

function focusSite(zoom) {
  if (!map || !state.site) return;
  if (state.site.type === 'upload') return; // fitted to the features once they are read
  if (state.site.type === 'point') {
    const at = sitePosition(state.site);
    // Out-of-range input (e.g. swapped axes) is the server's to explain; the map just stays where it is.
    if (at && Math.abs(at[0]) <= 180 && Math.abs(at[1]) <= 85) map.jumpTo({ center: at, zoom: zoom ?? Math.max(map.getZoom(), 12) });
  } else {
    if (state.site.crs) return; // not lon/lat
    const box = geometryBox(state.site.geometry);
    const sane = box && box.every(Number.isFinite) && Math.abs(box[0]) <= 180 && Math.abs(box[2]) <= 180 && Math.abs(box[1]) <= 85 && Math.abs(box[3]) <= 85;
    if (sane) map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: 60, maxZoom: 16, animate: false });
    if (zoom != null) map.jumpTo({ zoom });
  }
}

function geometryBox(g) {
  if (!g) return null;
  if (g.type === 'FeatureCollection') return g.features.reduce((b, f) => mergeBox(b, geometryBox(f.geometry)), null);
  if (g.type === 'Feature') return geometryBox(g.geometry);
  if (g.type === 'GeometryCollection') return g.geometries.reduce((b, x) => mergeBox(b, geometryBox(x)), null);
  return extendBox(null, g);
}
function mergeBox(a, b) {
  if (!a) return b;
  if (!b) return a;
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

function setMode(mode) {
  state.mode = mode;
  $('draw-note').hidden = mode !== 'draw';
  $('draw-finish').disabled = mode !== 'draw' || state.draft.length < 3;
  if (!map) return;
  if (mode === 'draw') map.doubleClickZoom.disable();
  else map.doubleClickZoom.enable();
  map.getCanvas().style.cursor = mode === 'draw' ? 'crosshair' : '';
}

function renderDraft() {
  const d = state.draft;
  const features = d.map((c) => ({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: c } }));
  if (d.length >= 3) features.push({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[...d, d[0]]] } });
  else if (d.length === 2) features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: d } });
  map?.getSource('_draw')?.setData({ type: 'FeatureCollection', features });
  $('draw-finish').disabled = state.mode !== 'draw' || d.length < 3;
}

function addVertex(e) {
  const last = state.draft[state.draft.length - 1];
  if (last) {
    const p = map.project(last);
    if (Math.hypot(p.x - e.point.x, p.y - e.point.y) < 4) return; // the second click of a double-click
  }
  state.draft.push([round6(e.lngLat.lng), round6(e.lngLat.lat)]);
  renderDraft();
}

function finishDraft() {
  if (state.draft.length < 3) {
    setStatus(t('draw_need3'), 'error');
    return;
  }
  const ring = [...state.draft, state.draft[0]];
  state.coordsDirty = false;
  state.site = { type: 'geometry', geometry: { type: 'Polygon', coordinates: [ring] } };
  state.draft = [];
  renderDraft();
  runAssessment();
}

function clearSite() {
  state.draft = [];
  state.site = null;
  renderDraft();
  marker?.remove();
  map?.getSource('_site')?.setData(EMPTY);
  setStatus('');
}

const round6 = (v) => Math.round(v * 1e6) / 1e6;

// ------------------------------------------------------------------------------------------------ map: setup

function showBanner(text) {
  $('banner').textContent = text;
  $('banner').hidden = false;
}

async function initMap() {
  if (!maplibregl) {
    showBanner(t('map_error', { detail: 'maplibre-gl.js did not load (run scripts/vendor-web.sh)' }));
    document.body.dataset.mapState = 'error';
    return;
  }
  const { style, origin } = await loadStyle();
  addBaseMap(style);
  const options = {
    container: 'map', style, attributionControl: { compact: true },
    // Relative URLs in a style (e.g. "/tiles/zones.json") resolve against this page.
    transformRequest: (url) => ({ url: new URL(url, location.href).href }),
  };
  if (!style.center) Object.assign(options, { center: [104, 35], zoom: 3.5 }); // until the data's extent is known
  try {
    map = new maplibregl.Map(options);
  } catch (e) {
    showBanner(t('map_error', { detail: e.message }));
    document.body.dataset.mapState = 'error';
    return;
  }
  window.ecogate.map = map;
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'bottom-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  map.on('error', (e) => {
    const msg = e?.error?.message || String(e?.error || 'unknown');
    console.warn('map error:', msg);
    showBanner(t('map_error', { detail: msg }));
  });
  map.on('load', () => {
    addOverlayLayers();
    buildGroups();
    if (state.site) {
      showSite();
      focusSite(state.linkZoom ?? undefined);
    } else if (state.extent) {
      fitExtent(state.extent);
    } else {
      fitTileJsonBounds();
    }
    map.once('idle', () => { document.body.dataset.mapState = origin === 'none' ? 'error' : 'ready'; });
    document.body.dataset.mapOrigin = origin;
  });
  map.on('click', (e) => {
    if (state.mode === 'draw') {
      addVertex(e);
      return;
    }
    if (state.upload && state.site?.type === 'upload') {
      const hit = map.queryRenderedFeatures(e.point, { layers: ['_upload-fill'] })[0];
      if (hit) { selectFeature(hit.properties.index); return; }
    }
    const ids = zoneLayers().filter((l) => map.getLayoutProperty(l.id, 'visibility') !== 'none').map((l) => l.id);
    showZoneInfo(ids.length ? map.queryRenderedFeatures(e.point, { layers: ids }) : []);
    state.site = { type: 'point', lon: round6(e.lngLat.lng), lat: round6(e.lngLat.lat) };
    $('coords').value = formatLonLat(state.site.lon, state.site.lat);
    showCrs(''); // the map's own coordinates are WGS84 lon/lat
    setCoordsNote(null);
    runAssessment();
  });
  map.on('dblclick', (e) => {
    if (state.mode !== 'draw') return;
    e.preventDefault();
    finishDraft();
  });
}

/** Shows the whole dataset, clear of the legend. */
function fitExtent(box) {
  const legend = $('legend');
  const right = legend.hidden ? 30 : Math.min(legend.offsetWidth + 30, map.getContainer().clientWidth / 3);
  map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: { top: 30, bottom: 30, left: 30, right }, maxZoom: 16, animate: false });
}

/** Without /collections, the first vector source's TileJSON bounds give the first view. */
function fitTileJsonBounds() {
  const onData = (e) => {
    const src = e.sourceId && map.getSource(e.sourceId);
    const b = src?.type === 'vector' && e.isSourceLoaded ? src.bounds : null;
    if (!b) return;
    map.off('sourcedata', onData);
    if (b[0] > -180 || b[2] < 180) fitExtent(b);
  };
  map.on('sourcedata', onData);
}

// ------------------------------------------------------------------------------------------------ wiring

function wire() {
  $('lang-toggle').addEventListener('click', () => {
    state.lang = state.lang === 'zh' ? 'en' : 'zh';
    const chosen = state.industryChosen;
    if (chosen && chosen.code === readIndustrySafe()) $('industry').value = `${chosen.code} ${industryName(chosen)}`;
    applyLanguage();
    if (state.last && state.site) writePermalink(safeFacts());
  });
  $('query').addEventListener('submit', (e) => {
    e.preventDefault();
    if (state.coordsDirty || (!state.site && $('coords').value.trim())) {
      if (!readCoords()) return;
      focusSite();
    }
    runAssessment();
  });
  $('coords').addEventListener('input', () => { state.coordsDirty = true; });
  $('coords').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      if (readCoords()) { focusSite(); runAssessment(); }
    }
  });
  $('locate').addEventListener('click', () => { if (readCoords()) { focusSite(); runAssessment(); } });
  for (const r of document.querySelectorAll('input[name=mode]')) r.addEventListener('change', (e) => setMode(e.target.value));
  $('draw-finish').addEventListener('click', finishDraft);
  $('draw-clear').addEventListener('click', clearSite);
  $('geojson-run').addEventListener('click', () => {
    try {
      const g = JSON.parse($('geojson').value);
      state.site = { type: 'geometry', geometry: g, crs: readCrs() };
      state.coordsDirty = false;
    } catch (e) {
      setStatus(t('geojson_invalid', { detail: e.message }), 'error');
      return;
    }
    showSite();
    focusSite();
    runAssessment();
  });
  $('copy-link').addEventListener('click', copyPermalink);
  $('crs').addEventListener('change', () => { syncCrsInputs(); state.coordsDirty = true; });
  for (const id of ['crs-zone', 'crs-epsg']) $(id).addEventListener('input', () => { state.coordsDirty = true; });
  $('file').addEventListener('change', () => {
    const file = $('file').files[0];
    $('file').value = ''; // choosing the same file again uploads it again
    if (file) startUpload(file);
  });
  wireDrop();
  $('nature').addEventListener('change', factsChanged);
  $('industry').addEventListener('change', factsChanged); // a code typed rather than picked from the list
  $('zone-close').addEventListener('click', () => { state.zoneInfo = null; renderZoneInfo(); });
  window.addEventListener('hashchange', () => {
    if (location.hash === state.writtenHash) return;
    if (readPermalink()) { applyLanguage(); showSite(); focusSite(state.linkZoom ?? undefined); runAssessment(); }
  });
  setupIndustry();
}

/** A footprint file (input or drop) becomes the site; the facts prompt applies as for a point. */
function startUpload(file) {
  let crs;
  try { crs = readCrs(); } catch (e) { setStatus(e.message, 'error'); return; }
  state.site = { type: 'upload', file, crs };
  state.upload = null;
  state.uploadSel = null;
  state.coordsDirty = false;
  runAssessment();
}

/** Files dropped on the map are uploaded; dropped elsewhere, the browser must not open them instead of the page. */
function wireDrop() {
  const wrap = document.querySelector('.mapwrap');
  const hasFiles = (e) => [...(e.dataTransfer?.types || [])].includes('Files');
  let depth = 0;
  wrap.addEventListener('dragenter', (e) => { if (hasFiles(e)) { e.preventDefault(); depth += 1; $('drop-hint').hidden = false; } });
  wrap.addEventListener('dragleave', () => { depth = Math.max(0, depth - 1); if (!depth) $('drop-hint').hidden = true; });
  wrap.addEventListener('dragover', (e) => { if (hasFiles(e)) { e.preventDefault(); e.dataTransfer.dropEffect = 'copy'; } });
  wrap.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    $('drop-hint').hidden = true;
    const file = e.dataTransfer?.files?.[0];
    if (file) startUpload(file);
  });
  for (const ev of ['dragover', 'drop']) window.addEventListener(ev, (e) => { if (hasFiles(e)) e.preventDefault(); });
}

function readIndustrySafe() {
  try { return readIndustry(); } catch { return ''; }
}

window.ecogate = { state, map: null, markerAt: () => (marker?._map ? marker.getLngLat().toArray() : null) };
wire();
takeKeyFromAddress();
const fromLink = readPermalink();
applyLanguage();
const rulesReady = loadFactSpecs(); // runAssessment waits for it: the rulebook says which facts are required
if (fromLink) runAssessment();
initMap();
