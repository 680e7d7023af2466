// Coordinate text as reviewers paste it → { lon, lat, assumedOrder }.
//
// Accepts decimal degrees ("113.52, 33.27", "113.52 33.27"), degrees-minutes-seconds with ASCII or typographic marks
// (113°30'15.2"E 33°16'20"N, 113°30′15″E) or Chinese marks (33度16分20秒N 113度30分15秒E), hemisphere letters
// before or after each number (N33.27 / 33.27N) and Chinese hemisphere words (北纬33°16′20″ 东经113°30′15″).
// With hemisphere marks the order is free; without them the order is taken as lon, lat and `assumedOrder` is true
// so the page can say so. S and W give negative values. Errors are thrown as CoordError with a code the page
// translates.

export class CoordError extends Error {
  constructor(code, detail = '') {
    super(detail ? `${code}: ${detail}` : code);
    this.code = code;
    this.detail = detail;
  }
}

const HEMI = [
  ['北纬', 'N'], ['南纬', 'S'], ['东经', 'E'], ['西经', 'W'],
  ['N', 'N'], ['S', 'S'], ['E', 'E'], ['W', 'W'], ['n', 'N'], ['s', 'S'], ['e', 'E'], ['w', 'W'],
  ['北', 'N'], ['南', 'S'], ['东', 'E'], ['西', 'W'],
];
const DEG = ['°', '度', 'º', '˚'];
const SEC = ["''", '"', '″', '”', '“', '秒'];
const MIN = ["'", '′', '’', '‘', '分'];

function tokenize(text) {
  const tokens = [];
  let i = 0;
  const s = text.trim();
  const startsWith = (list) => list.find((m) => s.startsWith(m, i));
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) { i += 1; continue; }
    if (c === ',' || c === '，' || c === ';' || c === '；' || c === '/' || c === '、') {
      tokens.push({ t: 'sep' }); i += 1; continue;
    }
    const num = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)/.exec(s.slice(i));
    if (num) { tokens.push({ t: 'num', v: Number(num[0]), raw: num[0] }); i += num[0].length; continue; }
    let m;
    if ((m = startsWith(DEG))) { tokens.push({ t: 'deg' }); i += m.length; continue; }
    if ((m = startsWith(SEC))) { tokens.push({ t: 'sec' }); i += m.length; continue; }
    if ((m = startsWith(MIN))) { tokens.push({ t: 'min' }); i += m.length; continue; }
    const h = HEMI.find(([k]) => s.startsWith(k, i));
    if (h) {
      // A Latin letter only counts as a hemisphere when it stands alone (not inside a word).
      const after = s[i + h[0].length];
      if (/[A-Za-z]/.test(h[0]) && after && /[A-Za-z]/.test(after)) throw new CoordError('unexpected', s.slice(i, i + 8));
      tokens.push({ t: 'hemi', v: h[1] }); i += h[0].length; continue;
    }
    throw new CoordError('unexpected', s.slice(i, i + 8));
  }
  return tokens;
}

/** Parses coordinate text; throws CoordError. */
export function parseCoordinates(text) {
  const tokens = tokenize(String(text ?? ''));
  if (!tokens.some((t) => t.t === 'num')) throw new CoordError('empty');
  const prefixMode = tokens.find((t) => t.t !== 'sep')?.t === 'hemi';
  const angles = [];
  let pendingHemi = null;
  let k = 0;
  const peek = (o = 0) => tokens[k + o];
  while (k < tokens.length) {
    const tok = tokens[k];
    if (tok.t === 'sep') { k += 1; continue; }
    if (tok.t === 'hemi') {
      if (prefixMode) {
        if (pendingHemi) throw new CoordError('hemisphere');
        pendingHemi = tok.v;
      } else {
        const last = angles[angles.length - 1];
        if (!last || last.hemi) throw new CoordError('hemisphere');
        last.hemi = tok.v;
      }
      k += 1;
      continue;
    }
    if (tok.t !== 'num') throw new CoordError('unexpected', tok.t);
    // degrees [° [minutes ′ [seconds ″?]]]
    const angle = { deg: tok.v, min: 0, sec: 0, hemi: null, dms: false };
    k += 1;
    if (peek()?.t === 'deg') {
      k += 1;
      angle.dms = true;
      if (peek()?.t === 'num' && peek(1)?.t === 'min') {
        angle.min = peek().v; k += 2;
        if (peek()?.t === 'num' && peek(1)?.t !== 'deg' && peek(1)?.t !== 'min') {
          angle.sec = peek().v; k += 1;
          if (peek()?.t === 'sec') k += 1;
        }
      }
    } else if (peek()?.t === 'min' || peek()?.t === 'sec') {
      throw new CoordError('unexpected', 'minutes without degrees');
    }
    if (angle.dms) {
      if (!Number.isInteger(angle.deg) && (angle.min || angle.sec)) throw new CoordError('dms');
      if (angle.min < 0 || angle.min >= 60 || angle.sec < 0 || angle.sec >= 60) throw new CoordError('dms');
      if (angle.deg < 0 && (angle.min || angle.sec)) throw new CoordError('dms');
    }
    if (prefixMode && pendingHemi) { angle.hemi = pendingHemi; pendingHemi = null; }
    angles.push(angle);
  }
  if (pendingHemi) throw new CoordError('hemisphere');
  if (angles.length !== 2) throw new CoordError('count', String(angles.length));

  const value = (a) => {
    const v = a.deg + a.min / 60 + a.sec / 3600;
    return a.hemi === 'S' || a.hemi === 'W' ? -Math.abs(v) : v;
  };
  const axis = (a) => (a.hemi === 'N' || a.hemi === 'S' ? 'lat' : a.hemi ? 'lon' : null);
  const [a, b] = angles;
  let lon, lat, assumedOrder = false;
  const ax = axis(a), bx = axis(b);
  if (ax && bx && ax === bx) throw new CoordError('same-axis');
  if (ax === 'lat' || bx === 'lon') { lat = value(a); lon = value(b); }
  else if (ax === 'lon' || bx === 'lat') { lon = value(a); lat = value(b); }
  else { lon = value(a); lat = value(b); assumedOrder = true; }
  if (!Number.isFinite(lon) || !Number.isFinite(lat)) throw new CoordError('empty');
  return { lon: round(lon), lat: round(lat), assumedOrder };
}

function round(v) {
  return Math.round(v * 1e7) / 1e7;
}

/** Formats a point the way the coordinate box accepts it back. */
export function formatLonLat(lon, lat) {
  return `${lon.toFixed(6)}, ${lat.toFixed(6)}`;
}

/** Two plain numbers in the order typed (projected coordinates: easting/northing or surveyors' X/Y), separated by a
 * comma or spaces; the server detects their order. Throws CoordError. */
export function parseNumberPair(text) {
  const s = String(text ?? '').trim();
  if (!s) throw new CoordError('empty');
  const parts = s.split(/\s*[,，;；]\s*|\s+/).filter(Boolean);
  if (parts.some((p) => !/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(p))) throw new CoordError('unexpected', parts.find((p) => !/^[+-]?[\d.]+$/.test(p)) || s);
  if (parts.length !== 2) throw new CoordError('count', String(parts.length));
  return { a: Number(parts[0]), b: Number(parts[1]) };
}
