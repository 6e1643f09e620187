package builtin

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var (
	stringType  = reflect.TypeFor[string]()
	intType     = reflect.TypeFor[int]()
	timeType    = reflect.TypeFor[time.Time]()
	anyType     = reflect.TypeFor[any]()
	anysType    = reflect.TypeFor[[]any]()
	stringsType = reflect.TypeFor[[]string]()
	mapAnyType  = reflect.TypeFor[map[string]any]()
	mapStrType  = reflect.TypeFor[map[string]string]()
)

// fuzzArgs builds arguments of the types of one typed signature from the
// fuzzed values; an any parameter takes each shape a record field may have.
func fuzzArgs(sig reflect.Type, a, b string, n int) [][]any {
	var anyShapes = []any{
		a,
		nil,
		[]any{a, b, nil, map[string]any{"email": a, "phone": b}, map[string]any{"email": 1}},
		[]map[string]any{{"email": a, "phone": b}},
		[]string{a, b},
		[]contact{{Email: a, Phone: b}},
		n,
	}
	argsets := [][]any{nil}
	for i := range sig.NumIn() {
		t := sig.In(i)
		if sig.IsVariadic() && i == sig.NumIn()-1 {
			t = t.Elem()
		}
		var choices []any
		str := a
		if i > 0 {
			str = b
		}
		switch t {
		case stringType:
			choices = []any{str}
		case intType:
			choices = []any{n}
		case timeType:
			choices = []any{time.Date(2000+n%50, time.Month(1+n%12), 1+n%28, 0, 0, n%60, 0, time.UTC)}
		case anyType:
			choices = anyShapes
		case anysType:
			choices = []any{[]any{a, b, nil, n}}
		case stringsType:
			choices = []any{strings.Split(a, ","), []string(nil)}
		case mapAnyType:
			choices = []any{map[string]any{a: b, b: nil}}
		case mapStrType:
			choices = []any{map[string]string{a: b}}
		default:
			panic("fuzzArgs: add a case for " + t.String())
		}
		var next [][]any
		for _, args := range argsets {
			for _, c := range choices {
				next = append(next, append(append([]any(nil), args...), c))
			}
		}
		argsets = next
	}
	return argsets
}

var e164Form = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// FuzzFunctions calls every function with fuzzed strings in every
// argument shape its signatures allow: none may panic, and the documented
// properties of the results must hold. Without -fuzz it runs the seeds.
func FuzzFunctions(f *testing.F) {
	for _, seed := range []struct {
		a, b string
		n    int
	}{
		{"", "", 0},
		{"Ann <Ann@Example.com>", "+1 (415) 555-0100 ext. 9", 5},
		{"<p>Hi&nbsp;<b>there</b><img src='a.png'></p><script>x</script>", "44", 3},
		{"orderTotalNum", "1", 64},
		{"2024-03-01T09:30:00.925Z", "%d/%m/%Y %H:%M", 1},
		{"héllo wörld\nline two", "…", 4},
		{"\xff\xfe<\x00>&#0;", "\xff", -1},
		{"<!--", "</", 2},
		{"0044 (0)20 7946 0018", "", 7},
		{"a,b,,c", "%", 1 << 20},
	} {
		f.Add(seed.a, seed.b, seed.n)
	}
	f.Fuzz(func(t *testing.T, a, b string, n int) {
		n %= 1 << 16 // sizes beyond this only cost time
		for _, fn := range registry {
			for _, typ := range fn.types {
				for _, args := range fuzzArgs(reflect.TypeOf(typ).Elem(), a, b, n) {
					got, err := call(t, fn, args)
					if err != nil {
						continue
					}
					checkResult(t, fn.Name, args, got)
				}
			}
		}
	})
}

func call(t *testing.T, fn Func, args []any) (got any, err error) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s(%#v) panicked: %v", fn.Name, args, r)
		}
	}()
	return fn.fn(args...)
}

func checkResult(t *testing.T, name string, args []any, got any) {
	t.Helper()
	s, _ := got.(string)
	switch name {
	case "slug":
		if !utf8.ValidString(s) || len(s) > maxTagBytes || strings.ContainsAny(s, " ,") ||
			strings.Trim(s, "_-") != s || slug(s) != s {
			t.Fatalf("slug(%q) = %q", args[0], s)
		}
	case "zendesk_field_key":
		if !validKey(s) || fieldKey(s) != s {
			t.Fatalf("zendesk_field_key(%q) = %q", args[0], s)
		}
	case "normalize_email":
		if s != "" && (!utf8.ValidString(s) || normalizeEmail(s) != s) {
			t.Fatalf("normalize_email(%q) = %q", args[0], s)
		}
	case "e164":
		if s != "" && (!e164Form.MatchString(s) || e164(s, "") != s) {
			t.Fatalf("e164(%q) = %q", args, s)
		}
	case "primary_phone", "other_phones":
		list, ok := got.([]string)
		if !ok {
			list = []string{s}
		}
		for _, p := range list {
			if p != "" && !e164Form.MatchString(p) {
				t.Fatalf("%s(%#v) = %q", name, args, got)
			}
		}
	case "html_to_text":
		if !utf8.ValidString(s) {
			t.Fatalf("html_to_text(%q) = %q: invalid UTF-8", args[0], s)
		}
	case "chunk_text":
		checkChunks(t, args[0].(string), args[1].(int), got.([]string))
	case "truncate":
		if !strings.HasPrefix(args[0].(string), strings.TrimSuffix(s, suffixArg(args))) {
			t.Fatalf("truncate(%#v) = %q", args, s)
		}
		if utf8.RuneCountInString(s) > args[1].(int) {
			t.Fatalf("truncate(%#v) = %q: too long", args, s)
		}
	}
}

func suffixArg(args []any) string {
	if len(args) == 3 {
		return args[2].(string)
	}
	return ""
}
