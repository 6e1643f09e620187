package verify

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/kzmap/kzmap/engine/render"
)

// The HTML report is one page that works offline and can be mailed: CSS
// inline, the chart inline SVG, no script. Every value goes through
// html/template, so text from Kustomer or Zendesk (a subject, a comment)
// is escaped wherever it lands.
//
// It fits its window: no table or chart is wider than the page, down to
// a phone's 480 pixels (the tables become one card per row below 48em),
// as TestReportFitsTheWindow checks in Chromium.

//go:embed report.html.tmpl
var reportTemplate string

var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"join": func(l []string) string { return strings.Join(l, ", ") },
}).Parse(reportTemplate))

// The chart draws each kind's three counts as horizontal bars on one
// scale (the largest count of any kind), so that a kind can be compared
// with another, and marks a kind whose counts disagree with "≠" and the
// numbers: a bar one record shorter than its neighbours looks the same.
const (
	chartBarH   = 10   // height of a bar, in pixels
	chartBarGap = 3    // between a kind's bars
	chartSpan   = 82.0 // the longest bar, in percent of the row: the rest is room for its value
)

// series are the three ways a kind is counted, in the order drawn.
var series = []struct{ Class, Name, What string }{
	{"snap", "mapping", "made by the mapping from the snapshot"},
	{"ckpt", "checkpoint", "in the checkpoint"},
	{"zd", "Zendesk", "found in Zendesk"},
}

type chartBar struct {
	Class, Title string
	Value        int
	Y, TextY     int
	Width        string // in percent of the row, as an SVG length
	Off          bool   // not the mapping's count
}

type chartKind struct {
	Kind string
	Bars []chartBar
	// Counts reads the three counts in words; Mismatch says whether
	// they disagree.
	Counts   string
	Mismatch bool
}

type chart struct {
	Height, BarH int // of each kind's bars, and of one bar
	Kinds        []chartKind
}

func makeChart(kinds []KindCount) chart {
	top := 1
	for _, k := range kinds {
		top = max(top, k.Desired, k.Checkpoint, k.Zendesk)
	}
	c := chart{Height: len(series)*chartBarH + (len(series)-1)*chartBarGap, BarH: chartBarH}
	for _, k := range kinds {
		values := []int{k.Desired, k.Checkpoint, k.Zendesk}
		ck := chartKind{Kind: string(k.Kind), Mismatch: k.Desired != k.Checkpoint || k.Checkpoint != k.Zendesk}
		var words []string
		for j, s := range series {
			v := values[j]
			w := float64(v) * chartSpan / float64(top)
			if v > 0 {
				w = max(w, 0.4) // a count of one still shows
			}
			y := j * (chartBarH + chartBarGap)
			ck.Bars = append(ck.Bars, chartBar{Class: s.Class, Value: v, Y: y, TextY: y + chartBarH/2, Width: fmt.Sprintf("%.1f%%", w),
				Off: v != k.Desired, Title: fmt.Sprintf("%s: %d %s", k.Kind, v, s.What)})
			words = append(words, fmt.Sprintf("%s %d", s.Name, v))
		}
		ck.Counts = strings.Join(words, ", ")
		c.Kinds = append(c.Kinds, ck)
	}
	return c
}

// WriteHTML writes the report as one self-contained HTML page.
func (r *Report) WriteHTML(w io.Writer, generated time.Time) error {
	return reportTmpl.Execute(w, struct {
		*Report
		Total     KindCount
		Summary   string
		Chart     chart
		Series    any
		LostTag   string
		Hints     []string
		Generated string
	}{r, r.Total(), r.Summary(), makeChart(r.Kinds), series, render.LostTag, r.Hints(), generated.UTC().Format("2006-01-02 15:04:05 UTC")})
}
