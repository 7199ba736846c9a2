package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gtrace/gtrace/internal/testkit"
)

// The flame graph in a real browser: Debian's chromium, headless, driven
// over the W3C WebDriver protocol (plain HTTP and JSON) by chromedriver.
// setup-test-env installs both.

// webDriver is one chromedriver with one browser session.
type webDriver struct {
	t       *testing.T
	base    string // http://127.0.0.1:PORT
	session string
}

// elementKey is the W3C name of an element reference in JSON.
const elementKey = "element-6066-11e4-a52e-4f735466cecf"

// startBrowser starts chromedriver and a headless chromium session, or
// skips the test saying what is missing.
func startBrowser(t *testing.T) *webDriver {
	t.Helper()
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (scripts/setup-test-env installs it)")
	}
	driver, err := exec.LookPath("chromedriver")
	if err != nil {
		t.Skip("chromedriver is not installed (package chromium-driver; scripts/setup-test-env installs it)")
	}
	_, port, _ := strings.Cut(testkit.FreePort(t), ":")
	var log bytes.Buffer
	cmd := exec.Command(driver, "--port="+port)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Skipf("chromedriver does not start: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	w := &webDriver{t: t, base: "http://127.0.0.1:" + port}
	for deadline := time.Now().Add(20 * time.Second); ; {
		var st struct {
			Ready bool `json:"ready"`
		}
		if err := w.call("GET", "/status", nil, &st); err == nil && st.Ready {
			break
		}
		if time.Now().After(deadline) {
			t.Skipf("chromedriver is not ready after 20 s:\n%s", log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome",
		"goog:chromeOptions": map[string]any{
			"binary": browser,
			"args": []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
				"--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
				"--user-data-dir=" + t.TempDir(), "--window-size=1220,420"},
		},
		"goog:loggingPrefs": map[string]string{"browser": "ALL"},
	}}}
	var s struct {
		SessionID string `json:"sessionId"`
	}
	if err := w.call("POST", "/session", caps, &s); err != nil {
		t.Skipf("chromium does not run headless here: %v\n%s", err, log.String())
	}
	w.session = "/session/" + s.SessionID
	t.Cleanup(func() { w.call("DELETE", w.session, nil, nil) })
	return w
}

// call sends one WebDriver command and decodes the "value" of its answer
// into out (when not nil).
func (w *webDriver) call(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, w.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var answer struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return fmt.Errorf("%s %s: %v", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, answer.Value)
	}
	if out != nil {
		return json.Unmarshal(answer.Value, out)
	}
	return nil
}

// must is call that fails the test on an error.
func (w *webDriver) must(method, path string, body, out any) {
	w.t.Helper()
	if err := w.call(method, w.session+path, body, out); err != nil {
		w.t.Fatal(err)
	}
}

// eval runs a script in the page and decodes what it returns.
func (w *webDriver) eval(script string, out any) {
	w.t.Helper()
	w.must("POST", "/execute/sync", map[string]any{"script": script, "args": []any{}}, out)
}

// screenshot saves a PNG of the window.
func (w *webDriver) screenshot(path string) {
	w.t.Helper()
	var b64 string
	w.must("GET", "/screenshot", nil, &b64)
	png, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		w.t.Fatal(err)
	}
}

// findFrame defines frame(name) in a script: the <g> of the frame named
// name (its hover text is "name (value, share)").
const findFrame = `const frame = name => Array.from(document.querySelectorAll("g.f")).find(g => {
	const t = g.firstElementChild.textContent;
	return t.slice(0, t.lastIndexOf(" (")) === name;
});
`

// checkInBrowser opens the SVG gtrace wrote: its script runs to the end
// without errors, the frames are in the DOM, hovering over a frame shows
// its count and share, a click on a zooms (a then
// spans the width, c is hidden, Reset Zoom shows), search through the
// prompt paints c and gives its share; screenshots land in the test's temp
// dir (and in $GTRACE_FLAME_SCREENSHOT_DIR when set, for docs/).
func checkInBrowser(t *testing.T, svg string) {
	w := startBrowser(t)
	w.must("POST", "/url", map[string]string{"url": "file://" + svg}, nil)
	var ready string
	w.eval(`return document.documentElement.getAttribute("data-ready") || "";`, &ready)
	if ready != "true" {
		t.Fatalf("the SVG's script did not run to its end (data-ready %q)", ready)
	}
	var names []string
	w.eval(`return Array.from(document.querySelectorAll("g.f > title")).map(t => t.textContent);`, &names)
	for _, want := range []string{"all (", "main (", "a (", "b (", "c ("} {
		if !containsPrefix(names, want) {
			t.Errorf("no frame %q… in the DOM: %q", want, names)
		}
	}
	shots := t.TempDir()
	w.screenshot(filepath.Join(shots, "flamegraph.png"))

	var rect map[string]string
	w.eval(findFrame+`return frame("a").querySelector("rect");`, &rect)
	if rect[elementKey] == "" {
		t.Fatalf("no element for frame a: %v", rect)
	}
	// Hovering over a shows its name, count and share on the details line.
	w.must("POST", "/actions", map[string]any{"actions": []any{map[string]any{
		"type": "pointer", "id": "mouse", "parameters": map[string]string{"pointerType": "mouse"},
		"actions": []any{map[string]any{"type": "pointerMove", "duration": 0, "origin": rect, "x": 0, "y": 0}},
	}}}, nil)
	var details string
	w.eval(`return document.querySelector(".details").textContent;`, &details)
	if !regexp.MustCompile(`^a \([0-9,]+ samples, [0-9.]+%\)$`).MatchString(details) {
		t.Errorf("hovering over a shows %q", details)
	}
	w.must("POST", "/element/"+rect[elementKey]+"/click", map[string]any{}, nil)
	var zoomed struct {
		AWidth, BWidth float64
		CHidden        bool
		Unzoom         bool
	}
	w.eval(findFrame+`return {
			AWidth: +frame("a").querySelector("rect").getAttribute("width"),
			BWidth: +frame("b").querySelector("rect").getAttribute("width"),
			CHidden: frame("c").classList.contains("hidden"),
			Unzoom: !document.querySelector(".unzoom").classList.contains("hidden"),
		};`, &zoomed)
	if zoomed.AWidth < 1179 || !zoomed.CHidden || !zoomed.Unzoom || zoomed.BWidth < 0.9*1180 {
		t.Errorf("after a click on a: %+v; want a 1180 px wide, b nearly so, c hidden, Reset Zoom shown", zoomed)
	}
	w.screenshot(filepath.Join(shots, "flamegraph-zoomed.png"))

	// Reset the zoom, then search for c through the Search button's prompt.
	var unzoom, search map[string]string
	w.eval(`return document.querySelector(".unzoom");`, &unzoom)
	w.must("POST", "/element/"+unzoom[elementKey]+"/click", map[string]any{}, nil)
	w.eval(`return document.querySelector(".search");`, &search)
	w.must("POST", "/element/"+search[elementKey]+"/click", map[string]any{}, nil)
	w.must("POST", "/alert/text", map[string]string{"text": "^c$"}, nil)
	w.must("POST", "/alert/accept", map[string]any{}, nil)
	var found struct {
		Matched, Fill string
		CHidden       bool
	}
	w.eval(findFrame+`const c = frame("c");
		return {
			Matched: document.querySelector(".matched").textContent,
			Fill: c.querySelector("rect").getAttribute("fill"),
			CHidden: c.classList.contains("hidden"),
		};`, &found)
	if !strings.HasPrefix(found.Matched, "Matched: ") || found.Fill != "rgb(230,0,230)" || found.CHidden {
		t.Errorf("after Reset Zoom and a search for ^c$: %+v", found)
	}
	w.screenshot(filepath.Join(shots, "flamegraph-search.png"))

	// Nothing went wrong in the page's console.
	var logs []struct {
		Level, Message string
	}
	if err := w.call("POST", w.session+"/se/log", map[string]string{"type": "browser"}, &logs); err != nil {
		t.Logf("browser log not available: %v", err)
	}
	for _, l := range logs {
		if l.Level == "SEVERE" {
			t.Errorf("browser console: %s", l.Message)
		}
	}
	t.Logf("screenshots in %s", shots)
	if dir := os.Getenv("GTRACE_FLAME_SCREENSHOT_DIR"); dir != "" {
		for _, name := range []string{"flamegraph.png", "flamegraph-zoomed.png", "flamegraph-search.png"} {
			data, err := os.ReadFile(filepath.Join(shots, name))
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, name), data, 0o644)
			}
			if err != nil {
				t.Error(err)
			}
		}
	}
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
