package flame

import (
	"bufio"
	_ "embed"
	"io"
	"strconv"
	"unicode/utf8"
)

// The page's behaviour (zoom, search, details) and look: gtrace's own,
// embedded whole in every SVG so that the file stands alone.
var (
	//go:embed svg_script.js
	svgScript string
	//go:embed svg_style.css
	svgStyle string
)

// Options shape a flame graph.
type Options struct {
	// Title is drawn at the top; "" gives "Flame Graph" or "Icicle Graph".
	Title string
	// Subtitle, when set, is a line under the title (the script, say).
	Subtitle string
	// Icicle draws the root at the top and callees below it.
	Icicle bool
	// Width of the image in pixels; 0 means 1200.
	Width int
	// MinWidth is the narrowest frame drawn, in pixels; 0 means 0.1. A
	// narrower frame and its callees are left out, and a note under the
	// title says how many and what share of the total they hold: a big
	// profile stays a file a browser opens at once.
	MinWidth float64
	// MaxFrames bounds the frames drawn; 0 means 100,000 (some 25 MB of
	// SVG). When MinWidth lets more through, it is doubled until it does
	// not, and the note says the width used.
	MaxFrames int
	// Unit names what the values count, for the hover text: "samples"
	// when "".
	Unit string
}

// Layout of the image, in pixels, as flamegraph.pl's: 16 px frames,
// 12 px Verdana, room for the title above and the details line below.
const (
	frameHeight = 16
	fontSize    = 12
	fontWidth   = 0.59 // of fontSize: Verdana's average character width
	padSide     = 10
	padTop      = fontSize * 3
	padBottom   = fontSize*2 + 10
	lineHeight  = fontSize + 8 // of the lines under the title
)

// graph is one flame graph being laid out and written.
type graph struct {
	opts     Options
	total    uint64
	scale    float64 // pixels per unit of value
	minValue float64 // the value of a frame MinWidth wide
	height   int     // of the image
	framesY0 int     // y of depth 0
	maxDepth int
	kinds    [3]bool // the kinds of the frames drawn (the root aside)
	drawn    int     // frames drawn, the root included
	left     int     // frames left out, too narrow
	leftOut  uint64  // their value
	b        []byte
}

// WriteSVG writes samples as an interactive SVG flame graph: frames sized
// by value, coloured by kind (user, kernel, key parts), with hover text
// (frame, value, share), click to zoom, and search (Ctrl-F, the Search
// button, or ?s=REGEX in the URL).
func WriteSVG(w io.Writer, samples []Sample, opts Options) error {
	if opts.Width <= 0 {
		opts.Width = 1200
	}
	if opts.MinWidth <= 0 {
		opts.MinWidth = 0.1
	}
	if opts.MaxFrames <= 0 {
		opts.MaxFrames = 100_000
	}
	if opts.Unit == "" {
		opts.Unit = "samples"
	}
	if opts.Title == "" {
		opts.Title = "Flame Graph"
		if opts.Icicle {
			opts.Title = "Icicle Graph"
		}
	}
	root := buildTree("all", samples)
	g := &graph{opts: opts, total: root.value}
	if g.total > 0 {
		g.scale = float64(opts.Width-2*padSide) / float64(g.total)
	}
	g.fit(root)
	headerLines := 0
	if opts.Subtitle != "" {
		headerLines++
	}
	if g.note() != "" {
		headerLines++
	}
	top := padTop + headerLines*lineHeight
	g.height = top + (g.maxDepth+1)*frameHeight + padBottom
	if opts.Icicle {
		g.framesY0 = top
	} else {
		g.framesY0 = g.height - padBottom - frameHeight
	}

	bw := bufio.NewWriterSize(w, 256<<10)
	g.b = make([]byte, 0, 64<<10)
	g.header(top)
	if err := g.flushTo(bw); err != nil {
		return err
	}
	g.b = append(g.b, `<g id="frames" data-total="`...)
	g.b = strconv.AppendUint(g.b, g.total, 10)
	g.b = append(g.b, `" data-width="`...)
	g.b = strconv.AppendInt(g.b, int64(opts.Width-2*padSide), 10)
	g.b = append(g.b, `" data-pad="`...)
	g.b = strconv.AppendInt(g.b, padSide, 10)
	g.b = append(g.b, `" data-unit="`...)
	g.b = appendEscaped(g.b, opts.Unit)
	g.b = append(g.b, "\">\n"...)
	if err := g.frames(bw, root, 0, 0); err != nil {
		return err
	}
	g.b = append(g.b, "</g>\n<script><![CDATA[\n"...)
	g.b = append(g.b, svgScript...)
	g.b = append(g.b, "]]></script>\n</svg>\n"...)
	if err := g.flushTo(bw); err != nil {
		return err
	}
	return bw.Flush()
}

// fit settles the narrowest frame drawn: opts.MinWidth, doubled until at
// most opts.MaxFrames frames are wide enough.
func (g *graph) fit(root *node) {
	for {
		if g.scale > 0 {
			g.minValue = g.opts.MinWidth / g.scale
		}
		g.maxDepth, g.drawn, g.left, g.leftOut, g.kinds = 0, 1, 0, 0, [3]bool{}
		g.measure(root, 0)
		if g.drawn <= g.opts.MaxFrames || g.scale == 0 {
			return
		}
		g.opts.MinWidth *= 2
	}
}

// measure finds the depth of the deepest frame drawn and counts the
// frames left out as too narrow (a frame left out takes its callees).
func (g *graph) measure(n *node, depth int) {
	g.maxDepth = max(g.maxDepth, depth)
	for c := n.first; c != nil; c = c.next {
		if float64(c.value) < g.minValue {
			g.left += 1 + countNodes(c)
			g.leftOut += c.value
			continue
		}
		g.kinds[c.kind] = true
		g.drawn++
		g.measure(c, depth+1)
	}
}

func countNodes(n *node) int {
	k := 0
	for c := n.first; c != nil; c = c.next {
		k += 1 + countNodes(c)
	}
	return k
}

func (g *graph) flushTo(w *bufio.Writer) error {
	_, err := w.Write(g.b)
	g.b = g.b[:0]
	return err
}

// note is the line under the title that says what is not drawn: the
// frames too narrow, or everything when nothing was counted.
func (g *graph) note() string {
	switch {
	case g.total == 0:
		return "Nothing was counted: no stacks to draw"
	case g.left > 0:
		return formatCount(uint64(g.left)) + " frames narrower than " +
			strconv.FormatFloat(g.opts.MinWidth, 'f', -1, 64) + " px are not drawn (" +
			formatShare(g.leftOut, g.total) + " of the " + g.opts.Unit + ")"
	}
	return ""
}

// header writes the document start, style, title, subtitle, the note on
// frames left out, the controls and the details line.
func (g *graph) header(top int) {
	o := g.opts
	b := append(g.b, `<?xml version="1.0" standalone="no"?>`+"\n"+
		`<svg version="1.1" xmlns="http://www.w3.org/2000/svg" width="`...)
	b = strconv.AppendInt(b, int64(o.Width), 10)
	b = append(b, `" height="`...)
	b = strconv.AppendInt(b, int64(g.height), 10)
	b = append(b, `" viewBox="0 0 `...)
	b = strconv.AppendInt(b, int64(o.Width), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(g.height), 10)
	b = append(b, `" data-icicle="`...)
	b = strconv.AppendBool(b, o.Icicle)
	b = append(b, "\">\n<style>\n"...)
	b = append(b, svgStyle...)
	b = append(b, "</style>\n"...)
	b = append(b, `<rect class="background" x="0" y="0" width="100%" height="100%"/>`+"\n"...)
	center := float64(o.Width) / 2
	b = appendText(b, "title", center, fontSize*2, o.Title)
	y := float64(padTop) + fontSize
	if o.Subtitle != "" {
		b = appendText(b, "subtitle", center, y, o.Subtitle)
		y += lineHeight
	}
	if note := g.note(); note != "" {
		b = appendText(b, "note", center, y, note)
	}
	b = g.appendLegend(b)
	b = appendText(b, "control unzoom hidden", padSide, fontSize*2, "Reset Zoom")
	b = appendText(b, "control search", float64(o.Width-padSide), fontSize*2, "Search")
	b = appendText(b, "matched", float64(o.Width-padSide), float64(g.height-padBottom/2+fontSize/2), "")
	b = appendText(b, "details", padSide, float64(g.height-padBottom/2+fontSize/2), " ")
	g.b = b
}

// appendLegend names the colours of the kinds present, under the title on
// the left.
func (g *graph) appendLegend(b []byte) []byte {
	x := float64(padSide)
	y := float64(padTop) + fontSize
	for _, k := range []Kind{KindUser, KindKernel, KindKey} {
		if !g.kinds[k] {
			continue
		}
		b = append(b, `<rect class="legend-box" x="`...)
		b = strconv.AppendFloat(b, x, 'f', 1, 64)
		b = append(b, `" y="`...)
		b = strconv.AppendFloat(b, y-fontSize+2, 'f', 1, 64)
		b = append(b, `" width="10" height="10" fill="`...)
		b = appendColour(b, k, kindNames[k])
		b = append(b, "\"/>\n"...)
		b = appendText(b, "legend-name", x+14, y, kindNames[k])
		x += 14 + float64(len(kindNames[k]))*fontSize*fontWidth + 12
	}
	return b
}

var kindNames = [...]string{KindKey: "key", KindUser: "user", KindKernel: "kernel"}

// frames writes n and its callees wide enough to draw, depth first; x is
// the value to the left of n.
func (g *graph) frames(w *bufio.Writer, n *node, depth int, x uint64) error {
	g.frame(n, depth, x)
	if len(g.b) > 48<<10 {
		if err := g.flushTo(w); err != nil {
			return err
		}
	}
	cx := x
	for c := n.first; c != nil; c = c.next {
		if float64(c.value) >= g.minValue {
			if err := g.frames(w, c, depth+1, cx); err != nil {
				return err
			}
		}
		cx += c.value
	}
	return nil
}

// frame writes one frame: a group holding its position in values (for the
// script to zoom), its hover text, the box and the name cut to fit.
func (g *graph) frame(n *node, depth int, x uint64) {
	y := g.framesY0 - depth*frameHeight
	if g.opts.Icicle {
		y = g.framesY0 + depth*frameHeight
	}
	px := padSide + float64(x)*g.scale
	pw := float64(n.value) * g.scale
	b := append(g.b, `<g class="f" data-s="`...)
	b = strconv.AppendUint(b, x, 10)
	b = append(b, `" data-n="`...)
	b = strconv.AppendUint(b, n.value, 10)
	b = append(b, `" data-d="`...)
	b = strconv.AppendInt(b, int64(depth), 10)
	b = append(b, `"><title>`...)
	b = appendEscaped(b, n.name)
	b = append(b, " ("...)
	b = append(b, formatCount(n.value)...)
	b = append(b, ' ')
	b = appendEscaped(b, g.opts.Unit)
	b = append(b, ", "...)
	b = append(b, formatShare(n.value, g.total)...)
	b = append(b, `)</title><rect x="`...)
	b = strconv.AppendFloat(b, px, 'f', 1, 64)
	b = append(b, `" y="`...)
	b = strconv.AppendInt(b, int64(y), 10)
	b = append(b, `" width="`...)
	b = strconv.AppendFloat(b, pw, 'f', 1, 64)
	b = append(b, `" height="`...)
	b = strconv.AppendInt(b, frameHeight-1, 10)
	b = append(b, `" fill="`...)
	b = appendColour(b, n.kind, n.name)
	b = append(b, `"/><text x="`...)
	b = strconv.AppendFloat(b, px+3, 'f', 1, 64)
	b = append(b, `" y="`...)
	b = strconv.AppendInt(b, int64(y+frameHeight-4), 10)
	b = append(b, `">`...)
	b = appendEscaped(b, fitName(n.name, pw))
	b = append(b, "</text></g>\n"...)
	g.b = b
}

// fitName cuts a name to the characters that fit in width pixels, ending
// it with ".." when cut, and gives "" when not even three fit. The script
// does the same when zooming (fit in svg_script.js).
func fitName(name string, width float64) string {
	chars := int((width - 6) / (fontSize * fontWidth))
	if chars < 3 {
		return ""
	}
	if len(name) <= chars {
		return name
	}
	cut := chars - 2
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut-- // not inside a character
	}
	return name[:cut] + ".."
}

func appendText(b []byte, class string, x, y float64, text string) []byte {
	b = append(b, `<text class="`...)
	b = append(b, class...)
	b = append(b, `" x="`...)
	b = strconv.AppendFloat(b, x, 'f', 1, 64)
	b = append(b, `" y="`...)
	b = strconv.AppendFloat(b, y, 'f', 1, 64)
	b = append(b, `">`...)
	b = appendEscaped(b, text)
	return append(b, "</text>\n"...)
}

// appendEscaped appends s as XML character data or attribute text: valid
// UTF-8 without the characters XML 1.0 forbids.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			// A browser refuses the whole file over one byte that is
			// not UTF-8, and a comm or a traced string may hold any.
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 || r == 0xFFFE || r == 0xFFFF {
				b = append(b, "\uFFFD"...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch c {
		case '&':
			b = append(b, "&amp;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '"':
			b = append(b, "&quot;"...)
		default:
			if c < 0x20 && c != '\t' {
				c = ' ' // not allowed in XML 1.0
			}
			b = append(b, c)
		}
		i++
	}
	return b
}

// formatCount writes n with thousands separators: 1,234,567.
func formatCount(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// formatShare writes part of total as a percentage with two decimals.
func formatShare(part, total uint64) string {
	if total == 0 {
		return "0%"
	}
	return strconv.FormatFloat(100*float64(part)/float64(total), 'f', 2, 64) + "%"
}
