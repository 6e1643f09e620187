package main

import (
	"fmt"
	"math"
	"os"
	"strings"
)

// writeSVG draws apply's per-10,000-ticket curves, resident memory and
// mean batch latency against tickets applied, one panel each.
func writeSVG(path string, curve []point, title string) error {
	const w, panelH, left, right, top, gap = 760, 220, 70, 20, 40, 60
	h := top + 2*panelH + gap + 60
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", w, h)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/><text x="%d" y="22" font-size="14">kzmap apply: %s, every 10,000 tickets</text>`+"\n", left, esc(title))
	maxX := float64(curve[len(curve)-1].Done)
	type series struct {
		name, color string
		val         func(p point) float64
	}
	panel := func(y0 int, label string, lines ...series) {
		maxY := 0.0
		for _, p := range curve {
			for _, l := range lines {
				maxY = math.Max(maxY, l.val(p))
			}
		}
		maxY = niceCeil(maxY * 1.1)
		x := func(v float64) float64 { return left + v/maxX*float64(w-left-right) }
		y := func(v float64) float64 { return float64(y0+panelH) - v/maxY*float64(panelH) }
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>`+"\n", left, y0, w-left-right, panelH)
		for i := 0; i <= 4; i++ {
			v := maxY * float64(i) / 4
			fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#eee"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
				left, w-right, y(v), y(v), left-6, y(v)+4, trim(v))
		}
		for i := 0; i <= 5; i++ {
			v := maxX * float64(i) / 5
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x(v), y0+panelH+16, trim(v))
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", left, y0-8, esc(label))
		for i, l := range lines {
			var pts []string
			for _, p := range curve {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(float64(p.Done)), y(l.val(p))))
			}
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`+"\n", l.color, strings.Join(pts, " "))
			if len(lines) > 1 {
				lx := w - right - 260 + 130*i
				fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="3"/><text x="%d" y="%d">%s</text>`+"\n",
					lx, lx+18, y0-12, y0-12, l.color, lx+22, y0-8, esc(l.name))
			}
		}
	}
	panel(top+10, "memory (MB)", series{"resident", "#1f77b4", func(p point) float64 { return p.RSSMB }},
		series{"of it private", "#9467bd", func(p point) float64 { return p.AnonMB }})
	panel(top+10+panelH+gap, "mean batch latency (ms), begun to checkpointed", series{"latency", "#d62728", func(p point) float64 { return p.LatencyMS }})
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">tickets applied</text>`+"\n", (w+left)/2, h-12)
	b.WriteString("</svg>\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func trim(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%gM", math.Round(v/1e4)/100)
	case v >= 1e3:
		return fmt.Sprintf("%gk", math.Round(v/10)/100)
	}
	return fmt.Sprintf("%g", math.Round(v*10)/10)
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
