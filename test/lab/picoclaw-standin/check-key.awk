# The key check of the stand-in picoclaw (see check_key in ./picoclaw, which describes the rules): run
# as `LC_ALL=C awk "$CHECK_KEY_AWK" VERSION_NUM CONFIG MODEL SECURITY_YML STATE`, with no single
# quote anywhere in it, because the release server bakes it into the script between single quotes.
# Arguments: version number (ver_num), config.json, --model, .security.yml, "bad" if that cannot
# be read. From v0.2.9 a parsed config also prints "log_level=<level>" first. Nodes of the parsed
# JSON: T[id] type (o a s n t f z), V[id] string or number text, NK[id] members, M[id, key] /
# KEY[id, i] object members, EL[id, i] array elements.
BEGIN {
  VER = ARGV[1] + 0; CFG = ARGV[2]; SEC = ARGV[4]
  WS = "([ \t\037]|\302\240|\341\232\200|\342\200[\200-\212\257]|\342\201\237|\343\200\200)"
  EMPTY = node("o")
  # cfg = json.loads(data) if len(data) > 10 else {}
  cfg = EMPTY
  load(0)
  if (length(S) == 10) load(1)
  if (length(S) > 10 && !(cfg = parse())) {
    load(1)
    cfg = parse()
    if (!cfg) {
      print "error loading config: config.json syntax error: " ERR
      exit
    }
  }
  if (T[cfg] != "o") crash("config.json does not hold a JSON object")
  # From 0.2.9 the log level, first: $PICOCLAW_LOG_LEVEL, else gateway.log_level, else warn
  if (VER >= 2009) {
    lvl = ENVIRON["PICOCLAW_LOG_LEVEL"]
    if (lvl == "" && T[x = get(get(cfg, "gateway"), "log_level")] == "s") lvl = V[x]
    lvl = tolower(lvl)
    print "log_level=" (lvl ~ /^(debug|info|warn|error|fatal)$/ ? lvl : "warn")
  }
  d = get(get(cfg, "agents"), "defaults", "agents")
  # Before 0.2.0: providers[agents.defaults.provider].api_key
  if (VER < 2000) {
    if (!truthy(p = get(d, "provider", "agents.defaults"))) p = 0
    if (T[p] ~ /[oa]/) crash("agents.defaults.provider is not a string")
    if ((pr = get(cfg, "providers")) && T[pr] != "o") crash("providers is not a JSON object")
    x = !p || T[p] == "s" ? get(pr, V[p]) : 0
    if (!truthy(get(x, "api_key", "providers[\"" V[p] "\"]")))
      print "error creating provider: no API key configured for provider " (p ? pystr(p) : "\"\"")
    exit
  }
  # name = --model or model_name or model or ""; entry = the first in model_list with that name
  if (ARGV[3] != "") {
    NAME = node("s"); V[NAME] = ARGV[3] ""
  } else if (!truthy(NAME = get(d, "model_name", "agents.defaults")) && !truthy(NAME = get(d, "model"))) {
    NAME = node("s"); V[NAME] = ""
  }
  ml = get(cfg, "model_list"); t = T[ml]
  if (t == "a") {
    for (i = 1; i <= NK[ml]; i++) {
      e = EL[ml, i]
      if (T[e] != "o") crash("model_list[" (i - 1) "] is not a JSON object")
      if (!entry && eq(get(e, "model_name"), NAME)) entry = e
    }
  } else if (ml && (t !~ /[os]/ || truthy(ml))) crash("model_list is not a JSON array")
  if (!entry) {
    printf "error creating provider: model \"%s\" not found in model_list: model \"%s\" not found in model_list or providers\n", pystr(NAME), pystr(NAME)
    exit
  }
  # Its keys: api_key up to 0.2.3, api_keys from 0.2.5, .security.yml from 0.2.4 if it names it
  keys = VER < 2004 && truthy(get(entry, "api_key"))
  if (VER >= 2005 && truthy(k = get(entry, "api_keys"))) {
    if (T[k] ~ /[nt]/) crash("api_keys is not a list")
    if (T[k] == "s") keys = 1
    for (i = 1; i <= NK[k]; i++) if (T[k] == "a" ? truthy(EL[k, i]) : KEY[k, i] != "") keys = 1
  }
  if (VER >= 2004) {
    if (ARGV[5] == "bad") crash("cannot read " SEC)
    RS = "\n"
    while ((getline rec < SEC) > 0) {
      if (!utf8(rec, 0)) crash(".security.yml is not UTF-8")
      sub(/\r$/, "", rec)
      gsub(/\r|\013|\014|\034|\035|\036|\302\205|\342\200\250|\342\200\251/, "\n", rec)
      n = split(rec, lines, "\n")
      for (i = 1; i <= n; i++) secline(lines[i])
    }
    if (T[NAME] != "s") crash("the model name is not a string")
    if ((V[NAME] ":0") in SECK) keys = SECK[V[NAME] ":0"]
    else if (V[NAME] in SECK) keys = SECK[V[NAME]]
  }
  if (keys) exit
  # No key: the protocol is provider, else the prefix of model ("/" in model), else openai
  if (!(model = get(entry, "model"))) { model = node("s"); V[model] = "" }
  if (!truthy(proto = get(entry, "provider"))) {
    t = T[model]
    if (t == "s" ? index(V[model], "/") : t == "a" ? has(model, "/") : t == "o" ? ((model, "/") in M) : crash("model is not iterable")) {
      if (t != "s") crash("model is not a string")
      proto = node("s"); V[proto] = substr(V[model], 1, index(V[model], "/") - 1)
    } else {
      proto = node("s"); V[proto] = "openai"
    }
  }
  if (T[proto] == "s" && V[proto] == "anthropic")
    printf "error creating provider: failed to create provider for model \"%s\": api_key is required for anthropic protocol (model: %s)\n", pystr(NAME), pystr(model)
  else if (!truthy(get(entry, "api_base")))
    printf "error creating provider: failed to create provider for model \"%s\": api_key or api_base is required for HTTP-based protocol \"%s\"\n", pystr(NAME), pystr(proto)
  else
    print "error processing message: LLM call failed after retries: API request failed:\n  Status: 401\n  Body:   {\"error\":{\"message\":\"missing API key\"}}"
}

# Where the python check raised (a traceback, no message of PicoClaw): the stand-in says why.
function crash(msg) {
  print "stand-in: " CFG ": " msg
  exit 3
}

function node(type) {
  T[++NODES] = type
  return NODES
}

# Member `key` of object `id` (0 when missing); `what` names `id` when it must be an object.
function get(id, key, what) {
  if (!id) id = EMPTY
  if (T[id] != "o") {
    if (what != "") crash(what " is not a JSON object")
    return 0
  }
  return (id, key) in M ? M[id, key] : 0
}

function truthy(id,   t) {
  t = T[id]
  if (t == "s") return V[id] != ""
  if (t == "n") return V[id] ~ /[NI]/ || V[id] + 0 != 0
  if (t == "t") return 1
  if (t == "o" || t == "a") return NK[id] > 0
  return 0
}

function has(id, s,   i) {
  for (i = 1; i <= NK[id]; i++) if (T[EL[id, i]] == "s" && V[EL[id, i]] == s) return 1
  return 0
}

# Python ==.
function eq(a, b,   ta, tb, i, k) {
  if (!a || !b) return 0
  ta = T[a]; tb = T[b]
  if (ta ~ /[ntf]/ && tb ~ /[ntf]/) return num(a) == num(b) && num(a) != "nan"
  if (ta != tb || NK[a] != NK[b]) return 0
  if (ta == "s") return V[a] == V[b]
  for (i = 1; i <= NK[a]; i++) {
    if (ta == "a" && !eq(EL[a, i], EL[b, i])) return 0
    k = KEY[a, i]
    if (ta == "o" && !eq(M[a, k], get(b, k))) return 0
  }
  return 1
}

function num(id,   v) {
  if (T[id] != "n") return T[id] == "t"
  v = V[id]
  if (v == "NaN") return "nan"
  if (v ~ /Infinity/ || v + 0 > 1.7976931348623157e308 || v + 0 < -1.7976931348623157e308) return v ~ /^-/ ? "-inf" : "inf"
  return v + 0
}

# str() of a value that a message prints.
function pystr(id,   t, v, out, b) {
  t = T[id]
  if (t == "t") return "True"
  if (t == "f") return "False"
  if (t == "z") return "None"
  if (t == "n" && V[id] !~ /[.eEIN]/) return V[id] == "-0" ? "0" : V[id]
  if (t != "s") crash("a JSON " (t == "n" ? "float" : t == "a" ? "list" : "object") " in a message is not emulated")
  v = V[id]
  if (v !~ /\355[\240-\277]/) return v
  # print() writes U+DC80..U+DCFF as the bytes 0x80..0xFF (surrogateescape); other surrogates fail.
  if (v ~ /\355([\240-\261]|[\264-\277])/) crash("a string holds a surrogate")
  ord()
  while (match(v, /\355[\262\263]/)) {
    b = ORD[substr(v, RSTART + 2, 1)] + (substr(v, RSTART + 1, 1) == "\263" ? 64 : 0)
    out = out substr(v, 1, RSTART - 1) sprintf("%c", b)
    v = substr(v, RSTART + 3)
  }
  return out v
}

function ord(   i) {
  if (!(" " in ORD)) for (i = 1; i < 256; i++) ORD[sprintf("%c", i)] = i
}

# The bytes of the config in S. awk cannot tell whether the last line ended with RS, so `exact`
# reads again with another separator: the longer text is the file.
function load(exact,   s) {
  S = slurp(CFG, "\n")
  if (exact && length(s = slurp(CFG, "\001")) > length(S)) S = s
}

function slurp(file, sep,   s, line, n) {
  RS = sep
  while ((getline line < file) > 0) s = n++ ? s sep line : line
  close(file)
  return s
}

# json.loads(bytes): the node of the document, or 0 with the error in ERR.
function parse(   v, n, parts) {
  ERR = ""
  if (substr(S, 1, 3) == "\357\273\277") S = substr(S, 4)
  if (!utf8(S, 1)) return 0
  N = length(S); P = 1
  skipws()
  v = value()
  skipws()
  if (!ERR && P <= N) jerr("Extra data", P)
  if (!ERR) return v
  # JSONDecodeError: positions count characters; line and column from 1, char from 0.
  v = substr(S, 1, EPOS - 1)
  n = split(v, parts, "\n")
  ERR = ERR ": line " (n ? n : 1) " column " (chars(n ? parts[n] : "") + 1) " (char " chars(v) ")"
  return 0
}

function chars(s) {
  return length(s) - gsub(/[\200-\277]/, "", s)
}

function jerr(msg, pos) {
  if (!ERR) { ERR = msg; EPOS = pos }
  return 0
}

function skipws() {
  while (P <= N && index(" \t\n\r", substr(S, P, 1))) P++
}

function value(   c, id, s) {
  if (P > N) return jerr("Expecting value", P)
  c = substr(S, P, 1)
  if (c == "\"") {
    s = scanstr(S, P)
    if (ERR) return 0
    id = node("s"); V[id] = s; P = SE
    return id
  }
  if (c == "{") return object()
  if (c == "[") return array()
  if (substr(S, P, 4) == "null") { P += 4; return node("z") }
  if (substr(S, P, 4) == "true") { P += 4; return node("t") }
  if (substr(S, P, 5) == "false") { P += 5; return node("f") }
  if (match(s = substr(S, P), /^(NaN|-?Infinity|-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?)/)) {
    id = node("n"); V[id] = substr(s, 1, RLENGTH); P += RLENGTH
    return id
  }
  return jerr("Expecting value", P)
}

function object(   id, k, v) {
  id = node("o"); P++
  skipws()
  if (P <= N && substr(S, P, 1) == "}") { P++; return id }
  while (P <= N) {
    if (substr(S, P, 1) != "\"") return jerr("Expecting property name enclosed in double quotes", P)
    k = scanstr(S, P)
    if (ERR) return 0
    P = SE
    skipws()
    if (substr(S, P, 1) != ":") return jerr("Expecting \047:\047 delimiter", P)
    P++
    skipws()
    if (!(v = value())) return 0
    if (!((id, k) in M)) KEY[id, ++NK[id]] = k
    M[id, k] = v
    skipws()
    if (substr(S, P, 1) == "}") { P++; return id }
    if (substr(S, P, 1) != ",") return jerr("Expecting \047,\047 delimiter", P)
    P++
    skipws()
  }
  return jerr("Expecting property name enclosed in double quotes", P)
}

function array(   id, v) {
  id = node("a"); P++
  skipws()
  if (P <= N && substr(S, P, 1) == "]") { P++; return id }
  while (P <= N) {
    if (!(v = value())) return 0
    EL[id, ++NK[id]] = v
    skipws()
    if (substr(S, P, 1) == "]") { P++; return id }
    if (substr(S, P, 1) != ",") return jerr("Expecting \047,\047 delimiter", P)
    P++
    skipws()
  }
  return jerr("Expecting value", P)
}

# The JSON string whose quote is at byte b of src, decoded to UTF-8 (lone surrogates as their
# 3-byte form, as surrogatepass decodes them); SE is the byte after its closing quote.
function scanstr(src, b,   n, p, q, c, out, i, u, u2) {
  n = length(src); p = b + 1
  while (1) {
    if (!match(substr(src, p), /["\\\001-\037]/)) return jerr("Unterminated string starting at", b)
    q = p + RSTART - 1; c = substr(src, q, 1)
    if (c != "\"" && c != "\\") return jerr("Invalid control character at", q)
    out = out substr(src, p, q - p)
    if (c == "\"") { SE = q + 1; return out }
    if (q == n) return jerr("Unterminated string starting at", b)
    c = substr(src, q + 1, 1)
    if (c != "u") {
      if (!(i = index("\"\\/bfnrt", c))) return jerr("Invalid \\escape", q)
      out = out substr("\"\\/\010\014\n\r\t", i, 1); p = q + 2
      continue
    }
    if (q + 5 >= n || (u = hex4(src, q + 2)) < 0) return jerr("Invalid \\uXXXX escape", q + 1)
    p = q + 6
    if (u >= 55296 && u < 56320 && q + 11 < n && substr(src, p, 2) == "\\u") {
      if ((u2 = hex4(src, p + 2)) < 0) return jerr("Invalid \\uXXXX escape", q + 7)
      if (u2 >= 56320 && u2 < 57344) { u = 65536 + (u - 55296) * 1024 + u2 - 56320; p += 6 }
    }
    out = out utf8chr(u)
  }
}

function hex4(s, p,   i, d, v) {
  for (i = 0; i < 4; i++) {
    if (!(d = index("0123456789abcdef", tolower(substr(s, p + i, 1))))) return -1
    v = v * 16 + d - 1
  }
  return v
}

function utf8chr(u) {
  if (u < 128) return sprintf("%c", u)
  if (u < 2048) return sprintf("%c%c", 192 + int(u / 64), 128 + u % 64)
  if (u < 65536) return sprintf("%c%c%c", 224 + int(u / 4096), 128 + int(u / 64) % 64, 128 + u % 64)
  return sprintf("%c%c%c%c", 240 + int(u / 262144), 128 + int(u / 4096) % 64, 128 + int(u / 64) % 64, 128 + u % 64)
}

# Whether s is UTF-8 (`surrogates`: also encoded U+D800..U+DFFF, as surrogatepass allows); if
# not, ERR is the message of the UnicodeDecodeError.
function utf8(s, surrogates,   re, t, p, b, c, k, need, lo, hi) {
  if (s !~ /[\200-\377]/) return 1
  re = "[\001-\177]|[\302-\337][\200-\277]|\340[\240-\277][\200-\277]|[\341-\354\356\357][\200-\277][\200-\277]|\355[\200-" (surrogates ? "\277" : "\237") "][\200-\277]|\360[\220-\277][\200-\277][\200-\277]|[\361-\363][\200-\277][\200-\277][\200-\277]|\364[\200-\217][\200-\277][\200-\277]"
  t = s
  gsub(re, "", t)
  if (t == "") return 1
  for (p = 1; match(substr(s, p), "^(" re ")"); p += RLENGTH);
  ord()
  b = ORD[substr(s, p, 1)]; k = 1
  if (b >= 194 && b <= 244) {
    need = b < 224 ? 2 : b < 240 ? 3 : 4
    lo = b == 224 ? 160 : b == 240 ? 144 : 128
    hi = b == 237 ? 159 : b == 244 ? 143 : 191
    while (k < need && p + k <= length(s) && (c = ORD[substr(s, p + k, 1)]) >= lo && c <= hi) { k++; lo = 128; hi = 191 }
    ERR = p + k > length(s) ? "unexpected end of data" : "invalid continuation byte"
  } else ERR = "invalid start byte"
  ERR = "\047utf-8\047 codec can\047t decode " (k == 1 ? sprintf("byte 0x%02x in position %d", b, p - 1) : sprintf("bytes in position %d-%d", p - 1, p + k - 2)) ": " ERR
  return 0
}

# One line of .security.yml, as the regular expressions of the python check read it.
function secline(l,   rest, c, k, key, j, pre, v) {
  if (l ~ ("^model_list" WS "*:")) { BLOCK = 1; return }
  if (BLOCK && l != "" && l !~ ("^" WS) && substr(l, 1, 1) != "-") BLOCK = 0
  if (!BLOCK) return
  if (substr(l, 1, 2) == "  ") {
    rest = substr(l, 3); c = substr(rest, 1, 1); key = 0
    if (c == "\"" && match(rest, /^"([^"\\]|\\.)*"/) && substr(rest, RLENGTH + 1) ~ ("^" WS "*:(" WS "|$)")) {
      k = jsonstr(substr(rest, 1, RLENGTH)); key = 1
    } else if (c == "\047" && match(rest, /^\047[^\047]*\047/) && substr(rest, RLENGTH + 1) ~ ("^" WS "*:(" WS "|$)")) {
      k = substr(rest, 2, RLENGTH - 2); key = 1
    } else if (c != "" && c != "#" && c != "\"" && c != "\047" && rest !~ ("^" WS)) {
      # A plain key ends at the first colon that has whitespace or the end after it.
      for (j = 2; j <= length(rest); j++) {
        if (substr(rest, j, 1) != ":" || (j < length(rest) && substr(rest, j + 1) !~ ("^" WS))) continue
        pre = substr(rest, 1, j - 1)
        sub(WS "+$", "", pre)
        if (!index(pre, "#")) { k = pre; gsub(/^\047+|\047+$/, "", k); key = 1 }
        break
      }
    }
    if (key) { CUR = k; SECK[k] = 0; HASCUR = 1 }
  }
  if (HASCUR && match(l, "^" WS "+-" WS "+")) {
    v = substr(l, RLENGTH + 1)
    sub(WS "+$", "", v)
    if (substr(v, 1, 1) == "\"") v = jsonstr(v)
    else gsub(/^\047+|\047+$/, "", v)
    if (v != "") SECK[CUR] = 1
  }
}

# json.loads of a text that starts with a quote: python raised unless it is one JSON string.
function jsonstr(s,   v) {
  ERR = ""
  v = scanstr(s, 1)
  if (ERR || SE != length(s) + 1) crash(".security.yml holds a quoted text that is no JSON string")
  return v
}
