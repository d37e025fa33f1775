"""Online test cases as data: every tests/online/cases/*.case, served by real local servers.

A case file (format in tests/online/cases/README.md) names a message, the recorded
DNS, RDAP and WHOIS answers, and what the final report must and must not say. This
runner starts dnsmasq with the case's records behind a small responder for the
shapes dnsmasq cannot give (SERVFAIL, TC, silence, garbage), an RDAP server and a
WHOIS server with the recorded answers, runs `mekiki analyze` against them and checks
every expectation. Run one case with: test_cases.py NAME.
"""
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dns_responder import SHAPES, Responder  # noqa: E402
from servers import DATA, FIXTURES, HERE, Dnsmasq, Rdap, Silent, Whois, analyze, conclude, mekiki  # noqa: E402

CASES = os.path.join(HERE, "cases")


def parse_case(path):
    """{"case": {key: value}, "dns": [words], "rdap": [words], "whois": [words], "expect": [lines]}"""
    case = {"case": {}, "dns": [], "rdap": [], "whois": [], "expect": []}
    section = None
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            m = re.fullmatch(r"\[(\w+)\]\s*", line)
            if m:
                section = m.group(1)
                if section not in case:
                    raise ValueError(f"{path}:{n}: unknown section [{section}]")
                continue
            if section == "case":
                key, _, value = line.partition(":")
                case["case"][key.strip()] = value.strip()
            elif section in ("dns", "rdap", "whois"):
                case[section].append(line.split(None, 3 if section == "dns" else 2))
            elif section == "expect":
                case["expect"].append(line.strip())
            else:
                raise ValueError(f"{path}:{n}: line outside a section")
    return case


def dns_setup(lines):
    """dnsmasq options and the responder's shapes from the [dns] lines."""
    options, shapes = [], {}
    for words in lines:
        kind, name = words[0].upper(), words[1].lower()
        rest = words[2:]
        if kind in SHAPES:
            shapes[name] = kind
        elif kind == "A" or kind == "AAAA":
            options.append(f"--address=/{name}/{rest[0]}")
        elif kind == "MX":
            options.append(f"--mx-host={name},{rest[1]},{rest[0]}")
        elif kind == "TXT":
            options.append(f"--txt-record={name},{' '.join(rest)}")
        elif kind == "PTR":
            rev = ".".join(reversed(name.split("."))) + ".in-addr.arpa"
            options.append(f"--ptr-record={rev},{rest[0]}")
        else:
            raise ValueError(f"unknown DNS line {words}")
    return options, shapes


def rdap_setup(lines):
    answers = {}
    for words in lines:
        name, status = words[0].lower(), words[1].lower()
        body = words[2] if len(words) > 2 else None
        answers[name] = (0, None, 0) if status == "silent" else (int(status), body, 0)
    return answers


# ---- the report, read by path ------------------------------------------------

def walk(value, path):
    """Follows "a.b[key=value].c[0]" through the report; raises KeyError when absent."""
    for part in re.findall(r"[^.\[\]]+|\[[^\]]*\]", path):
        if part.startswith("["):
            sel = part[1:-1]
            if "=" in sel:
                k, v = sel.split("=", 1)
                matches = [x for x in value if isinstance(x, dict) and str(x.get(k)) == v]
                if not matches:
                    raise KeyError(part)
                value = matches[0]
            else:
                value = value[int(sel)]
        else:
            if not isinstance(value, dict) or part not in value:
                raise KeyError(part)
            value = value[part]
    return value


def finding(report, fid):
    return next((f for f in report.get("findings", []) if f.get("id") == fid), None)


def lookup_matches(entry, pairs):
    return all(str(entry.get(k)) == v for k, v in pairs)


def check(report, line):
    """None when the expectation holds, else what went wrong."""
    words = line.split(None, 1)
    verb, rest = words[0], words[1] if len(words) > 1 else ""
    if verb == "finding" or verb == "no-finding":
        fid, _, cond = rest.partition(" ")
        f = finding(report, fid)
        if verb == "no-finding":
            return f"{fid} present: {json.dumps(f and f.get('evidence'), ensure_ascii=False)}" if f else None
        if not f:
            return f"{fid} absent (findings: {[x['id'] for x in report.get('findings', [])]})"
        return check_value(f, cond) if cond else None
    if verb == "report":
        return check_value(report, rest)
    if verb in ("lookup", "no-lookup"):
        pairs = [p.split("=", 1) for p in rest.split()]
        hit = any(lookup_matches(e, pairs) for e in report.get("lookups", []))
        if verb == "lookup" and not hit:
            seen = [f"{e.get('kind')} {e.get('type')} {e.get('target')} {e.get('status')} {e.get('purpose')}"
                    for e in report.get("lookups", [])]
            return f"no lookup with {rest}; lookups: {seen}"
        if verb == "no-lookup" and hit:
            return f"a lookup with {rest} exists"
        return None
    return f"unknown expectation {verb!r}"


def check_value(root, cond):
    """PATH == JSON | PATH >= NUMBER | PATH ~ TEXT | PATH !~ TEXT | PATH absent"""
    m = re.fullmatch(r"(\S+)\s+(==|>=|~|!~|absent)\s*(.*)", cond)
    if not m:
        return f"cannot read condition {cond!r}"
    path, op, want = m.groups()
    try:
        got = walk(root, path)
    except (KeyError, IndexError, TypeError):
        return None if op == "absent" else f"{path} is absent"
    text = got if isinstance(got, str) else json.dumps(got, ensure_ascii=False)
    if op == "absent":
        return f"{path} present: {text}"
    if op == "==" and got != json.loads(want):
        return f"{path} is {text}, expected {want}"
    if op == ">=" and not (isinstance(got, (int, float)) and got >= float(want)):
        return f"{path} is {text}, expected at least {want}"
    if op == "~" and want not in text:
        return f"{path} is {text}, expected it to contain {want!r}"
    if op == "!~" and want in text:
        return f"{path} is {text}, expected it not to contain {want!r}"
    return None


# ---- running one case --------------------------------------------------------

def start_servers(case, cache):
    """Starts the servers a case asks for; returns (mekiki arguments, servers to stop)."""
    info = case["case"]
    servers = []
    if info.get("servers") == "silent":
        silent = Silent()
        servers.append(silent)
        dns_address, rdap_base, whois_address = silent.address, f"http://{silent.address}", silent.address
    else:
        options, shapes = dns_setup(case["dns"])
        mode = info.get("resolver", "honest")
        dnsmasq = Dnsmasq(options, honest=mode == "honest")
        servers.append(dnsmasq)
        responder = Responder(dnsmasq.port, shapes, mode=mode)
        rdap = Rdap(answers=rdap_setup(case["rdap"]))
        whois = Whois(records={w[0].lower(): w[1] for w in case["whois"]})
        servers += [responder, rdap, whois]
        dns_address, rdap_base, whois_address = responder.address, rdap.base, whois.address
    args = ["--dns-server", dns_address, "--rdap-base", rdap_base, "--whois-server", whois_address,
            "--budget-ms", info.get("budget_ms", "3000"), "--cache", cache]
    if info.get("locale"):
        args += ["--locale", info["locale"]]
    return args, servers


def run_case(path):
    case = parse_case(path)
    info = case["case"]
    with tempfile.TemporaryDirectory() as cache:
        args, servers = start_servers(case, cache)
        try:
            report = None
            for _ in range(int(info.get("runs", "1"))):
                report, wall = analyze(args, os.path.join(FIXTURES, info["message"]), timeout=60)
        finally:
            for s in servers:
                s.stop()
    problems = [f"{line}: {p}" for line in case["expect"] if (p := check(report, line))]
    return problems, wall, report


def unknown_finding_ids(case):
    """Finding ids a case names that data/findings.json does not define (a typo never passes)."""
    with open(os.path.join(DATA, "findings.json"), encoding="utf-8") as f:
        known = json.load(f)
    named = [line.split()[1] for line in case["expect"] if line.split()[0] in ("finding", "no-finding")]
    return [fid for fid in named if fid not in known]


def main(argv):
    mekiki()
    names = argv[1:] or sorted(f[:-5] for f in os.listdir(CASES) if f.endswith(".case"))
    failures, checks = [], 0
    for name in names:
        path = os.path.join(CASES, name + ".case")
        problems, wall, report = run_case(path)
        problems += [f"finding id {fid} is not in data/findings.json" for fid in unknown_finding_ids(parse_case(path))]
        checks += 1
        ids = [f["id"] for f in report.get("findings", [])]
        print(f"{'ok  ' if not problems else 'FAIL'} {name} ({wall * 1000:.0f} ms): {ids}")
        failures += [f"{name}: {p}" for p in problems]
        if problems and os.environ.get("MEKIKI_CASE_DUMP"):
            print(json.dumps(report, ensure_ascii=False, indent=1))
    return conclude(failures, checks)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
