package dataset

import "strconv"

// enc appends compact JSON to a byte slice without reflection: the
// generator writes millions of records and encoding/json would dominate
// its profile. Commas are implied: a value or key that does not follow
// '{', '[' or ':' is preceded by one, so callers never track "first".
//
// Keys are written verbatim and must be plain ASCII without quotes; every
// key the generator uses is a constant or built from ASCII parts.
type enc struct {
	b []byte
}

func (e *enc) reset() { e.b = e.b[:0] }

func (e *enc) sep() {
	if n := len(e.b); n > 0 {
		switch e.b[n-1] {
		case '{', '[', ':':
		default:
			e.b = append(e.b, ',')
		}
	}
}

func (e *enc) obj()    { e.sep(); e.b = append(e.b, '{') }
func (e *enc) end()    { e.b = append(e.b, '}') }
func (e *enc) arr()    { e.sep(); e.b = append(e.b, '[') }
func (e *enc) endArr() { e.b = append(e.b, ']') }

func (e *enc) key(k string) {
	e.sep()
	e.b = append(e.b, '"')
	e.b = append(e.b, k...)
	e.b = append(e.b, '"', ':')
}

func (e *enc) str(s string) { e.sep(); e.b = appendJSONString(e.b, s) }

func (e *enc) strBytes(s []byte) { e.sep(); e.b = appendJSONString(e.b, s) }

func (e *enc) int(n int64) { e.sep(); e.b = strconv.AppendInt(e.b, n, 10) }

// num writes a float in its shortest exact form; callers round money to
// cents first.
func (e *enc) num(f float64) { e.sep(); e.b = strconv.AppendFloat(e.b, f, 'f', -1, 64) }

func (e *enc) bool(v bool) { e.sep(); e.b = strconv.AppendBool(e.b, v) }

func (e *enc) time(ms int64) { e.sep(); e.b = appendTime(e.b, ms) }

func (e *enc) id(o oid) {
	e.sep()
	e.b = append(e.b, '"')
	e.b = o.appendHex(e.b)
	e.b = append(e.b, '"')
}

func (e *enc) kstr(k, v string)         { e.key(k); e.str(v) }
func (e *enc) kint(k string, n int64)   { e.key(k); e.int(n) }
func (e *enc) ktime(k string, ms int64) { e.key(k); e.time(ms) }
func (e *enc) kbool(k string, v bool)   { e.key(k); e.bool(v) }
func (e *enc) kid(k string, o oid)      { e.key(k); e.id(o) }

func (e *enc) kstrs(k string, vs []string) {
	e.key(k)
	e.arr()
	for _, v := range vs {
		e.str(v)
	}
	e.endArr()
}

func (e *enc) kids(k string, vs []oid) {
	e.key(k)
	e.arr()
	for _, v := range vs {
		e.id(v)
	}
	e.endArr()
}

// rel writes a to-one relationship: "name":{"data":{"type":typ,"id":id}}.
func (e *enc) rel(name, typ string, id oid) {
	e.key(name)
	e.obj()
	e.key("data")
	e.obj()
	e.kstr("type", typ)
	e.kid("id", id)
	e.end()
	e.end()
}

// head opens a resource object up to and including `"attributes":{`.
func (e *enc) head(typ string, id oid) {
	e.obj()
	e.kstr("type", typ)
	e.kid("id", id)
	e.key("attributes")
	e.obj()
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as a JSON string. Control characters, quote
// and backslash are escaped, and so are U+2028 and U+2029 (valid JSON, but
// they end lines in JavaScript). s must be valid UTF-8: every string the
// generator emits is built from valid pieces, and the tests check it.
func appendJSONString[S ~string | ~[]byte](b []byte, s S) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c != 0xe2 {
			continue
		}
		if c == 0xe2 {
			// U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
			if i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xa8 || s[i+2] == 0xa9) {
				b = append(b, s[start:i]...)
				b = append(b, '\\', 'u', '2', '0', '2', hexDigits[s[i+2]&0xf])
				i += 2
				start = i + 1
			}
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendTime writes ms (Unix milliseconds, UTC) as a quoted
// "2006-01-02T15:04:05.000Z" without going through time.Time.Format.
func appendTime(b []byte, ms int64) []byte {
	secs := floorDiv(ms, 1000)
	milli := ms - secs*1000
	days := floorDiv(secs, 86400)
	sod := secs - days*86400
	y, m, d := civil(days)
	b = append(b, '"')
	b = append4(b, y)
	b = append(b, '-')
	b = append2(b, m)
	b = append(b, '-')
	b = append2(b, d)
	b = append(b, 'T')
	b = append2(b, sod/3600)
	b = append(b, ':')
	b = append2(b, sod/60%60)
	b = append(b, ':')
	b = append2(b, sod%60)
	b = append(b, '.', byte('0'+milli/100), byte('0'+milli/10%10), byte('0'+milli%10), 'Z', '"')
	return b
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's days_from_civil inverse).
func civil(z int64) (y, m, d int64) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func append2(b []byte, n int64) []byte {
	return append(b, byte('0'+n/10), byte('0'+n%10))
}

func append4(b []byte, n int64) []byte {
	return append(b, byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
}
