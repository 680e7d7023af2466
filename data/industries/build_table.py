#!/usr/bin/env python3
"""Build gbt4754_2017.csv (GB/T 4754-2017 industry codes) from the raw source text.

Input : raw/newoa_industry_table.sql  (verbatim `industry` table section of
        bi38324/newOA:newoa.sql, see SOURCE.md)
Output: gbt4754_2017.csv  (code,level,name_zh,name_en,parent)

Python 3, standard library only.  Run from anywhere:

    python3 data/industries/build_table.py          # build + check
    python3 data/industries/build_table.py --check  # check existing CSV is up to date

What the script does to the source rows (all of it is logged to stdout):
  * strips ASCII and ideographic (U+3000) whitespace around names;
  * drops a stray leading '?' (an encoding artefact in the dump, seen on 4620);
  * turns ASCII parentheses into the full-width ones the standard uses;
  * re-derives every parent from the code itself and checks it against the
    source's ParentID;
  * synthesises the group (中类) row for every group that has exactly one class:
    the source, like most application dumps, leaves such groups out and hangs the
    class xxx0 directly under its division.  In the standard such a group is
    printed on the same line as its only class (e.g. "019 0190 其他农业"), i.e.
    group and class share the name, so the group row gets the class's name.
  * adds English names only for a short, hand-checked list (ENGLISH below);
    every other name_en is left empty on purpose.
"""

import csv
import io
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RAW = os.path.join(HERE, "raw", "newoa_industry_table.sql")
OUT = os.path.join(HERE, "gbt4754_2017.csv")

# Totals.  GB/T 4754-2017 as published in 2017 announces 20 门类, 97 大类, 473 中类 and
# 1380 小类.  Every 2017-edition source we found (including this one) carries 1381
# classes; the extra one is, as far as we can tell, 0532 畜禽粪污处理活动, which
# we understand was inserted by amendment No. 1 (GB/T 4754-2017/XG1-2019).  See
# SOURCE.md ("Counts and the 2019 amendment") -- the amendment text itself was
# not available to us, so this attribution is unverified.
EXPECTED = {"section": 20, "division": 97, "group": 473, "class": 1381}

# Codes that exist in GB/T 4754-2011 but not in the 2017 edition.  If any of these
# shows up, the table is (partly) the wrong edition.
CODES_2011_ONLY = {
    # each one checked against a GB/T 4754-2011 code list
    # (wanghanwanghan/informationDancePc src/data/nicid.js, see SOURCE.md)
    "0170",  # 2011: 中药材种植 (single class); 2017: 0171/0179
    "0230",  # 2011: 森林经营和管护; 2017: 023 -> 0231/0232
    "0390",  # 2011: 其他畜牧业 (single class); 2017: 0391/0392/0399
    "0530",  # 2011: 畜牧服务业; 2017: 053 -> 0531/0532/0539
    "0540",  # 2011: 渔业服务业; 2017: 054 -> 0541/0549
    "0710",  # 2011: 石油开采; 2017: 0711/0712
    "0720",  # 2011: 天然气开采; 2017: 0721/0722
    "1310",  # 2011: 谷物磨制; 2017: 1311..1319
    "1320",  # 2011: 饲料加工; 2017: 1321/1329
    "1364",  # 2011: 鱼油提取及制品制造 (2017: 1363)
    "1440",  # 2011: 乳制品制造; 2017: 1441/1442/1449
    "3035",  # 2011: 隔热和隔音材料制造 (2017: 3034)
    "3150",  # 2011: 铁合金冶炼 (2017: 3140!)
    "3250",  # 2011: 有色金属铸造 (2017: 3392)
    "3261", "3269",  # 2011: 有色金属压延加工 326x (2017: 325x)
    "4500",  # 2011: 燃气生产和供应业; 2017: 4511/4512/4513/4520
    "4700",  # 2011: 房屋建筑业; 2017: 4710/4720/4790
    "4830",  # 2011: 海洋工程建筑; 2017: 4831..4839
    "4890",  # 2011: 其他土木工程建筑; 2017: 4891..4899
    "4990",  # 2011: 其他建筑安装业; 2017: 4991/4999
    "5010",  # 2011: 建筑装饰业; 2017: 5011/5012/5013
    "5310",  # 2011: 铁路旅客运输; 2017: 5311/5312/5313
}

# Codes whose name differs between the 2011 and 2017 editions: the 2017 name must
# be the one in the table (guards against a silently mixed-edition source).
NAMES_2017 = {
    "11": "开采专业及辅助性活动",    # 2011: 开采辅助活动
    "15": "酒、饮料及精制茶制造业",  # 2011: 酒、饮料和精制茶制造业
    "25": "石油、煤炭及其他燃料加工业",  # 2011: 石油加工、炼焦和核燃料加工业
    "30": "非金属矿物制品业",        # 30 in both 2011 and 2017 (31 only in GB/T 4754-2002)
    "31": "黑色金属冶炼和压延加工业",
    "052": "林业专业及辅助性活动",   # 2011: 林业服务业
    "3032": "建筑用石加工",          # 2011: 建筑陶瓷制品制造
    "3130": "钢压延加工",            # 2011: 黑色金属铸造
    "3140": "铁合金冶炼",            # 2011: 钢压延加工
    "3444": "液压动力机械及元件制造",  # 2011: 液压和气压动力机械及元件制造
    "4412": "热电联产",              # 2011: 水力发电
    "4413": "水力发电",              # 2011: 核力发电
    "6520": "集成电路设计",
    "6540": "运行维护服务",
}

# Classes introduced by the 2017 edition: must be present.
CODES_2017_NEW = {"2916", "3493", "2832", "3218", "4853", "0532", "3874", "6432"}

# English names.  Sections: the usual English rendering of the 门类 titles.  The
# rest: ecogate's own translation (no official English text was available to us),
# limited to the codes ecogate's screening rules reference directly.
ENGLISH = {
    # sections
    "A": "Agriculture, forestry, animal husbandry and fishery",
    "B": "Mining",
    "C": "Manufacturing",
    "D": "Production and supply of electricity, heat, gas and water",
    "E": "Construction",
    "F": "Wholesale and retail trade",
    "G": "Transport, storage and postal services",
    "H": "Accommodation and catering",
    "I": "Information transmission, software and information technology services",
    "J": "Finance",
    "K": "Real estate",
    "L": "Leasing and business services",
    "M": "Scientific research and technical services",
    "N": "Water conservancy, environment and public facilities management",
    "O": "Resident services, repair and other services",
    "P": "Education",
    "Q": "Health and social work",
    "R": "Culture, sports and entertainment",
    "S": "Public administration, social security and social organizations",
    "T": "International organizations",
    # classes / groups referenced by ecogate
    "1910": "Leather tanning",
    "141": "Manufacture of bakery products",
    "1411": "Manufacture of pastries and bread",
    "1419": "Manufacture of biscuits and other bakery products",
    "1431": "Manufacture of rice and flour products",
    "2511": "Crude oil processing and manufacture of petroleum products",
    "2521": "Coking",
    "2614": "Manufacture of basic organic chemical materials",
    "2621": "Manufacture of nitrogenous fertilizers",
    "2832": "Manufacture of bio-based and starch-based new materials",
    "2916": "Manufacture of rubber/plastic surfacing for sports grounds",
    "3011": "Manufacture of cement",
    "3031": "Manufacture of clay bricks, tiles and building blocks",
    "3041": "Manufacture of flat glass",
    "308": "Manufacture of refractory products",
    "3081": "Manufacture of asbestos products",
    "3082": "Manufacture of mica products",
    "3089": "Manufacture of refractory ceramic products and other refractory materials",
    "3091": "Manufacture of graphite and carbon products",
    "3110": "Iron smelting",
    "3120": "Steelmaking",
    "3140": "Ferroalloy smelting",
    "3212": "Lead and zinc smelting",
    "3216": "Aluminium smelting",
    "3360": "Metal surface treatment and heat treatment",
    "3493": "Manufacture of additive manufacturing (3D printing) equipment",
    "4411": "Thermal power generation",
    "4412": "Combined heat and power generation",
    "4610": "Production and supply of tap water",
    "4620": "Sewage treatment and reclamation",
    "481": "Construction of railways, roads, tunnels and bridges",
    "4811": "Railway engineering construction",
    "4812": "Highway engineering construction",
    "4813": "Municipal road engineering construction",
    "4814": "Urban rail transit engineering construction",
    "4819": "Construction of other roads, tunnels and bridges",
    "485": "Construction of overhead lines and pipelines",
    "4851": "Construction of overhead lines and equipment",
    "4852": "Pipeline engineering construction",
    "4853": "Construction of underground utility tunnels",
    "551": "Water passenger transport",
    "552": "Water freight transport",
}

ROW_RE = re.compile(
    r"^INSERT INTO `industry` VALUES \((\d+), '([^']*)', '([^']*)', (?:\d+|NULL), (NULL|'[^']*')\);$"
)
WS = " \t\u3000\u00a0"


def level_of(code):
    if re.fullmatch(r"[A-T]", code):
        return "section"
    if re.fullmatch(r"\d{2}", code):
        return "division"
    if re.fullmatch(r"\d{3}", code):
        return "group"
    if re.fullmatch(r"\d{4}", code):
        return "class"
    raise ValueError("unexpected code %r" % code)


def clean_name(code, raw, log):
    name = raw.strip(WS)
    if name.startswith("?"):
        name = name[1:].strip(WS)
    name = name.replace("(", "（").replace(")", "）")
    if name != raw:
        log.append("normalised name of %s: %r -> %r" % (code, raw, name))
    return name


def read_source(log):
    rows = []
    with open(RAW, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line.startswith("INSERT INTO `industry`"):
                continue
            m = ROW_RE.match(line)
            if not m:
                raise SystemExit("unparsed source line: %r" % line)
            rid, code, name, parent = m.groups()
            parent = None if parent == "NULL" else parent.strip("'")
            rows.append((int(rid), code, clean_name(code, name, log), parent))
    return rows


def build(log):
    src = read_source(log)
    section_of = {}   # division -> section (from source)
    entries = []      # (code, level, name, parent) in source order
    seen = set()
    current_section = None
    for rid, code, name, sparent in src:
        level = level_of(code)
        if code in seen:
            raise SystemExit("duplicate code in source: %s" % code)
        seen.add(code)
        if level == "section":
            current_section = code
            if sparent is not None:
                raise SystemExit("section %s has a parent %r" % (code, sparent))
            entries.append((code, level, name, ""))
        elif level == "division":
            if sparent != current_section:
                raise SystemExit("division %s: source parent %r, expected section %r"
                                 % (code, sparent, current_section))
            section_of[code] = sparent
            entries.append((code, level, name, sparent))
        elif level == "group":
            if sparent != code[:2]:
                raise SystemExit("group %s: source parent %r != %s" % (code, sparent, code[:2]))
            entries.append((code, level, name, code[:2]))
        else:  # class
            if sparent == code[:3]:
                entries.append((code, level, name, code[:3]))
            elif sparent == code[:2]:
                # single-class group omitted by the source: synthesise it
                if not code.endswith("0"):
                    raise SystemExit("class %s hangs under its division but does not end in 0" % code)
                g = code[:3]
                if g in seen:
                    raise SystemExit("group %s both present and implied by %s" % (g, code))
                seen.add(g)
                log.append("synthesised group %s %s (sole class %s)" % (g, name, code))
                entries.append((g, "group", name, code[:2]))
                entries.append((code, level, name, g))
            else:
                raise SystemExit("class %s: source parent %r is neither %s nor %s"
                                 % (code, sparent, code[:3], code[:2]))
    return entries


def check(entries):
    problems = []
    codes = [e[0] for e in entries]
    by_code = {e[0]: e for e in entries}
    if len(codes) != len(set(codes)):
        problems.append("duplicate codes")
    counts = {}
    for code, level, name, parent in entries:
        counts[level] = counts.get(level, 0) + 1
        if not name:
            problems.append("%s has an empty name" % code)
        if level == "section":
            if parent:
                problems.append("section %s has parent" % code)
            continue
        p = by_code.get(parent)
        want = {"division": "section", "group": "division", "class": "group"}[level]
        if p is None or p[1] != want:
            problems.append("%s %s: parent %r missing or not a %s" % (level, code, parent, want))
        if level == "group" and parent != code[:2]:
            problems.append("group %s parent %s" % (code, parent))
        if level == "class" and parent != code[:3]:
            problems.append("class %s parent %s" % (code, parent))
    if counts != EXPECTED:
        problems.append("counts %r != expected %r" % (counts, EXPECTED))
    # every division/group has at least one child; a class ending in 0 is its group's only class
    children = {}
    for code, level, name, parent in entries:
        children.setdefault(parent, []).append(code)
    for code, level, name, parent in entries:
        if level in ("section", "division", "group") and not children.get(code):
            problems.append("%s %s has no children" % (level, code))
        if level == "class" and code.endswith("0") and len(children[parent]) != 1:
            problems.append("class %s ends in 0 but group %s has %d classes"
                            % (code, parent, len(children[parent])))
    for c in sorted(CODES_2011_ONLY):
        if c in by_code:
            problems.append("2011-only code present: %s %s" % (c, by_code[c][2]))
    for c, n in sorted(NAMES_2017.items()):
        if c not in by_code or by_code[c][2] != n:
            problems.append("2017 name check failed for %s: %r" % (c, by_code.get(c)))
    for c in sorted(CODES_2017_NEW):
        if c not in by_code:
            problems.append("2017 class missing: %s" % c)
    for c in ENGLISH:
        if c not in by_code:
            problems.append("English name given for unknown code %s" % c)
    return counts, problems


def render(entries):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["code", "level", "name_zh", "name_en", "parent"])
    for code, level, name, parent in entries:
        w.writerow([code, level, name, ENGLISH.get(code, ""), parent])
    return buf.getvalue()


def main():
    log = []
    entries = build(log)
    counts, problems = check(entries)
    text = render(entries)
    for line in log:
        print(line)
    print("counts:", ", ".join("%s=%d" % (k, counts.get(k, 0)) for k in EXPECTED))
    print("english names:", sum(1 for e in entries if e[0] in ENGLISH))
    if problems:
        for p in problems:
            print("PROBLEM:", p)
        sys.exit(1)
    if "--check" in sys.argv[1:]:
        with open(OUT, encoding="utf-8", newline="") as fh:
            if fh.read() != text:
                print("PROBLEM: %s is not what the raw source builds to" % OUT)
                sys.exit(1)
        print("OK: CSV up to date")
        return
    with open(OUT, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    print("wrote", OUT, "(%d rows)" % len(entries))


if __name__ == "__main__":
    main()
