package builtin

import (
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	for _, tc := range []struct {
		in, layout string
		want       time.Time
	}{
		{"2024-03-01T09:30:00.925Z", "", utc(2024, 3, 1, 9, 30, 0, 925000000)},
		{"2024-03-01T09:30:00Z", "", utc(2024, 3, 1, 9, 30, 0, 0)},
		{"2024-03-01T10:30:00+01:00", "", utc(2024, 3, 1, 9, 30, 0, 0)},
		{"2024-03-01T09:30:00", "", utc(2024, 3, 1, 9, 30, 0, 0)},
		{"2024-03-01 09:30:00", "", utc(2024, 3, 1, 9, 30, 0, 0)},
		{"2024-03-01 09:30:00.5", "", utc(2024, 3, 1, 9, 30, 0, 500000000)},
		{"2024-03-01 04:30:00-05:00", "", utc(2024, 3, 1, 9, 30, 0, 0)},
		{"2024-03-01", "", utc(2024, 3, 1, 0, 0, 0, 0)},
		{" 2024-03-01 ", "", utc(2024, 3, 1, 0, 0, 0, 0)},
		{"Fri, 01 Mar 2024 09:30:00 GMT", "", utc(2024, 3, 1, 9, 30, 0, 0)},
		{"Fri, 01 Mar 2024 04:30:00 -0500", "", utc(2024, 3, 1, 9, 30, 0, 0)},
		{"Fri, 1 Mar 2024 04:30:00 -0500", "", utc(2024, 3, 1, 9, 30, 0, 0)},
		{"", "", time.Time{}},
		{"01/03/2024", "%d/%m/%Y", utc(2024, 3, 1, 0, 0, 0, 0)},
		{"03/01/24 9:30 AM", "01/02/06 3:04 PM", utc(2024, 3, 1, 9, 30, 0, 0)},
		{"1 March 2024, 21:30", "%e %B %Y, %H:%M", utc(2024, 3, 1, 21, 30, 0, 0)},
		{"2024-061", "%Y-%j", utc(2024, 3, 1, 0, 0, 0, 0)},
		{"2024-03-01T09:30:00.123456", "%FT%T.%f", utc(2024, 3, 1, 9, 30, 0, 123456000)},
		{"09:30%", "%H:%M%%", utc(0, 1, 1, 9, 30, 0, 0)},
		{"09:30 UTC", "15:04 MST", utc(0, 1, 1, 9, 30, 0, 0)},
	} {
		got, err := parseTime("parse_time", tc.in, tc.layout)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseTime(%q, %q) = %v, %v; want %v", tc.in, tc.layout, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, layout string }{
		{"yesterday", ""},
		{"2024-13-01", ""},
		{"2024-02-30", ""},
		{"01/03/2024", ""},
		{"Fri, 01 Mar 2024 09:30:00 PST", ""},
		{"2024-03-01", "%d/%m/%Y"},
		{strings.Repeat("9", 1000), ""},
		{"2024-03-01", "%Y-%m-%d %q"},
	} {
		if got, err := parseTime("parse_time", tc.in, tc.layout); err == nil {
			t.Errorf("parseTime(%q, %q) = %v; want an error", tc.in, tc.layout, got)
		} else if len(err.Error()) > 200 {
			t.Errorf("parseTime(%q, %q): error too long: %d bytes", tc.in, tc.layout, len(err.Error()))
		}
	}
}

func TestTimeValues(t *testing.T) {
	at := time.Date(2024, 3, 1, 10, 30, 0, 0, time.FixedZone("", 3600))
	local := time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC).In(time.Local)
	for _, tc := range []struct {
		fn   string
		args []any
		want any
	}{
		{"iso8601", []any{at}, "2024-03-01T09:30:00Z"},
		{"iso8601", []any{&at}, "2024-03-01T09:30:00Z"},
		{"iso8601", []any{(*time.Time)(nil)}, ""},
		{"iso8601", []any{time.Time{}}, ""},
		{"iso8601", []any{nil}, ""},
		{"iso8601", []any{local}, "2024-03-01T09:30:00Z"},
		{"unix", []any{at}, 1709285400},
		{"unix", []any{time.Time{}}, 0},
		{"unix", []any{""}, 0},
		{"format_time", []any{at, "%Y-%m-%d %H:%M %z"}, "2024-03-01 10:30 +0100"},
		{"format_time", []any{local, "15:04 MST"}, "09:30 UTC"}, // never the machine's zone
		{"format_time", []any{at, "%A %d %B %Y, %I:%M %p"}, "Friday 01 March 2024, 10:30 AM"},
		{"format_time", []any{nil, "%Y"}, ""},
	} {
		got, err := mustFunc(t, tc.fn).Call(tc.args...)
		if err != nil || got != tc.want {
			t.Errorf("%s(%v) = %#v, %v; want %#v", tc.fn, tc.args, got, err, tc.want)
		}
	}
}
