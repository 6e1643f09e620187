package verify

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

// The HTML report is one page that works offline and can be mailed: CSS
// inline, the chart an inline SVG, no script. Every value goes through
// html/template, so text from Kustomer or Zendesk (a subject, a comment)
// is escaped wherever it lands.

//go:embed report.html.tmpl
var reportTemplate string

var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"join": func(l []string) string { return strings.Join(l, ", ") },
}).Parse(reportTemplate))

// chart geometry, in SVG user units.
const (
	chartBarW   = 22
	chartGroupW = 120
	chartH      = 220 // height of the tallest bar
	chartTop    = 60  // room for the values above the tallest bar
	chartLeft   = 20
)

type chartBar struct {
	X, Y, W, H     int
	LabelX, LabelY int // the value, written upwards above the bar
	Class          string
	Title          string
	Value          int
}

type chartGroup struct {
	LabelX int
	Label  string
	Bars   []chartBar
}

type chart struct {
	Width, Height, Base int
	Groups              []chartGroup
}

func makeChart(kinds []KindCount) chart {
	top := 1
	for _, k := range kinds {
		top = max(top, k.Desired, k.Checkpoint, k.Zendesk)
	}
	c := chart{Width: chartLeft*2 + chartGroupW*len(kinds), Base: chartTop + chartH}
	c.Height = c.Base + 40
	for i, k := range kinds {
		x0 := chartLeft + i*chartGroupW + (chartGroupW-3*chartBarW)/2
		g := chartGroup{LabelX: chartLeft + i*chartGroupW + chartGroupW/2, Label: string(k.Kind)}
		for j, v := range []struct {
			class, what string
			n           int
		}{{"snap", "made by the mapping from the snapshot", k.Desired}, {"ckpt", "in the checkpoint", k.Checkpoint}, {"zd", "found in Zendesk", k.Zendesk}} {
			h := v.n * chartH / top
			if v.n > 0 && h < 1 {
				h = 1
			}
			x := x0 + j*chartBarW
			g.Bars = append(g.Bars, chartBar{X: x, Y: c.Base - h, W: chartBarW - 3, H: h, LabelX: x + (chartBarW-3)/2, LabelY: c.Base - h - 4, Class: v.class,
				Title: fmt.Sprintf("%s: %d %s", k.Kind, v.n, v.what), Value: v.n})
		}
		c.Groups = append(c.Groups, g)
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
		Hints     []string
		Generated string
	}{r, r.Total(), r.Summary(), makeChart(r.Kinds), r.Hints(), generated.UTC().Format("2006-01-02 15:04:05 UTC")})
}
