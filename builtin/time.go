package builtin

// Time functions. Nothing here reads the clock or the machine's time zone:
// strings are parsed in UTC unless they carry a numeric offset, and a zone
// abbreviation other than UTC or GMT is refused rather than guessed.
// Kustomer timestamps (2024-03-01T09:30:00.123Z) need no layout.

import (
	"fmt"
	"strings"
	"time"
)

// zendeskTime is the form Zendesk shows and accepts for timestamps.
const zendeskTime = "2006-01-02T15:04:05Z"

// defaultLayouts are tried in order when parse_time has no layout.
var defaultLayouts = []string{
	time.RFC3339, // fractional seconds are accepted when parsing
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02",
	time.RFC1123Z,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	time.RFC1123,
}

var timeFuncs = []Func{
	{
		Name:      "parse_time",
		Signature: "parse_time(s: string, layout?: string) → time",
		Doc:       "Parses s as a time; \"\" gives the zero time and anything else that does not parse is an error.",
		Detail: "Without a layout it accepts ISO 8601 / RFC 3339 (with or without fractional seconds and offset), " +
			"`2006-01-02 15:04:05`, `2006-01-02` and RFC 1123 email dates. A layout is a Go reference layout " +
			"(`02/01/2006 15:04`) or, when it contains '%', strftime: %Y %m %d %e %H %I %M %S %f %p %y %b %B %a %A %j %z %Z %F %T %R %D %%. " +
			"Times without an offset are UTC. The parsed offset is kept; iso8601 converts to UTC.",
		Category: catTime,
		Examples: []Example{
			{Expr: `iso8601(parse_time("2024-03-01T09:30:00.123Z"))`, Want: "2024-03-01T09:30:00Z"},
			{Expr: `iso8601(parse_time("01/03/2024 10:30 +0100", "%d/%m/%Y %H:%M %z"))`, Want: "2024-03-01T09:30:00Z"},
			{Expr: `parse_time("2024-03-01")`, Want: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
			{Expr: `parse_time("yesterday")`, Err: "parse_time: cannot read \"yesterday\" as a time"},
		},
		types: []any{new(func(string) time.Time), new(func(string, string) time.Time)},
		fn: func(args ...any) (any, error) {
			if err := arity("parse_time", args, 1, 2); err != nil {
				return nil, err
			}
			s, err := str("parse_time", args[0])
			if err != nil {
				return nil, err
			}
			layout := ""
			if len(args) == 2 {
				if layout, err = str("parse_time", args[1]); err != nil {
					return nil, err
				}
				if layout == "" {
					return nil, fmt.Errorf("parse_time: layout is empty; leave it out to use the default layouts")
				}
			}
			return parseTime("parse_time", s, layout)
		},
	},
	{
		Name:      "format_time",
		Signature: "format_time(t: time | string, layout: string) → string",
		Doc:       "Formats t with a Go or strftime layout (as parse_time reads them); the zero time gives \"\".",
		Detail: "A string t is parsed with the default layouts first. The time keeps its own offset; " +
			"as in Go layouts, digits and words such as Jan or PM in the literal text of a layout are read as fields.",
		Category: catTime,
		Examples: []Example{
			{Expr: `format_time("2024-03-01T09:30:00Z", "%d %b %Y, %H:%M")`, Want: "01 Mar 2024, 09:30"},
			{Expr: `format_time(parse_time("2024-03-01T09:30:00+02:00"), "2006-01-02 15:04 -07:00")`, Want: "2024-03-01 09:30 +02:00"},
			{Expr: `format_time("", "%Y")`, Want: ""},
		},
		types: []any{new(func(time.Time, string) string), new(func(string, string) string)},
		fn: func(args ...any) (any, error) {
			if err := arity("format_time", args, 2, 2); err != nil {
				return nil, err
			}
			t, err := toTime("format_time", args[0])
			if err != nil {
				return nil, err
			}
			layout, err := str("format_time", args[1])
			if err != nil {
				return nil, err
			}
			gl, err := goLayout("format_time", layout)
			if err != nil || t.IsZero() {
				return "", err
			}
			return t.Format(gl), nil
		},
	},
	{
		Name:      "iso8601",
		Signature: "iso8601(t: time | string) → string",
		Doc:       "Returns t in UTC as Zendesk writes timestamps (2006-01-02T15:04:05Z); the zero time gives \"\".",
		Detail:    "Fractional seconds are dropped. A string t is parsed with parse_time's default layouts.",
		Category:  catTime,
		Examples: []Example{
			{Expr: `iso8601("2024-03-01T10:30:00.925+01:00")`, Want: "2024-03-01T09:30:00Z"},
			{Expr: `iso8601("")`, Want: ""},
		},
		types: []any{new(func(time.Time) string), new(func(string) string)},
		fn: func(args ...any) (any, error) {
			if err := arity("iso8601", args, 1, 1); err != nil {
				return nil, err
			}
			t, err := toTime("iso8601", args[0])
			if err != nil || t.IsZero() {
				return "", err
			}
			return t.UTC().Format(zendeskTime), nil
		},
	},
	{
		Name:      "unix",
		Signature: "unix(t: time | string) → int",
		Doc:       "Returns t as seconds since 1970-01-01 UTC; the zero time gives 0.",
		Category:  catTime,
		Examples: []Example{
			{Expr: `unix("2024-03-01T09:30:00Z")`, Want: 1709285400},
			{Expr: `unix(parse_time("1970-01-01T00:01:00Z"))`, Want: 60},
		},
		types: []any{new(func(time.Time) int), new(func(string) int)},
		fn: func(args ...any) (any, error) {
			if err := arity("unix", args, 1, 1); err != nil {
				return nil, err
			}
			t, err := toTime("unix", args[0])
			if err != nil || t.IsZero() {
				return 0, err
			}
			return int(t.Unix()), nil
		},
	},
}

// toTime accepts a time, a pointer to one, a string in a default layout or
// nil (the zero time).
func toTime(fn string, v any) (time.Time, error) {
	switch t := v.(type) {
	case time.Time:
		return pureTime(t), nil
	case *time.Time:
		if t == nil {
			return time.Time{}, nil
		}
		return pureTime(*t), nil
	case string:
		return parseTime(fn, t, "")
	case nil:
		return time.Time{}, nil
	}
	return time.Time{}, fmt.Errorf("%s: want a time or a string, got %s", fn, typeName(v))
}

// pureTime moves a time in the machine's local zone to UTC, so formatting
// never depends on where the plan is made.
func pureTime(t time.Time) time.Time {
	if t.Location() == time.Local {
		return t.UTC()
	}
	return t
}

func parseTime(fn, s, layout string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if layout == "" {
		if len(s) <= 64 {
			for _, l := range defaultLayouts {
				if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
					return checkZone(fn, s, t)
				}
			}
		}
		return time.Time{}, fmt.Errorf("%s: cannot read %s as a time; give a layout, like parse_time(s, \"%%d/%%m/%%Y\")", fn, quoteShort(s))
	}
	gl, err := goLayout(fn, layout)
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.ParseInLocation(gl, s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %s does not match layout %q", fn, quoteShort(s), layout)
	}
	return checkZone(fn, s, t)
}

// checkZone refuses a zone abbreviation Go could not resolve: parsed in UTC,
// "PST" would silently mean +00:00.
func checkZone(fn, s string, t time.Time) (time.Time, error) {
	name, offset := t.Zone()
	if offset == 0 && name != "" && name != "UTC" && name != "GMT" {
		return time.Time{}, fmt.Errorf("%s: time zone %q in %s is ambiguous; use a numeric offset like -0800", fn, name, quoteShort(s))
	}
	return t, nil
}

func quoteShort(s string) string {
	if len(s) > 40 {
		return fmt.Sprintf("%q…", strings.ToValidUTF8(s[:40], ""))
	}
	return fmt.Sprintf("%q", s)
}

var strftime = map[byte]string{
	'Y': "2006", 'm': "01", 'd': "02", 'e': "_2", 'H': "15", 'I': "03", 'M': "04",
	'S': "05", 'f': "000000", 'p': "PM", 'y': "06", 'b': "Jan", 'h': "Jan",
	'B': "January", 'a': "Mon", 'A': "Monday", 'j': "002", 'z': "-0700", 'Z': "MST",
	'F': "2006-01-02", 'T': "15:04:05", 'R': "15:04", 'D': "01/02/06", '%': "%",
	'n': "\n", 't': "\t",
}

// goLayout returns layout as a Go reference layout, translating strftime
// directives when it contains '%'.
func goLayout(fn, layout string) (string, error) {
	if layout == "" {
		return "", fmt.Errorf("%s: layout is empty", fn)
	}
	if strings.IndexByte(layout, '%') < 0 {
		return layout, nil
	}
	var b strings.Builder
	for i := 0; i < len(layout); i++ {
		if layout[i] != '%' {
			b.WriteByte(layout[i])
			continue
		}
		if i+1 == len(layout) {
			return "", fmt.Errorf("%s: layout %q ends with a lone %%", fn, layout)
		}
		i++
		g, ok := strftime[layout[i]]
		if !ok {
			return "", fmt.Errorf("%s: unknown directive %q in layout %q", fn, "%"+layout[i:i+1], layout)
		}
		b.WriteString(g)
	}
	return b.String(), nil
}
