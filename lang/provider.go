package lang

import "strings"

// Provider is a canonical probe type.
type Provider uint8

const (
	ProviderInvalid Provider = iota
	Begin
	End
	Kprobe
	Kretprobe
	Uprobe
	Uretprobe
	USDT
	Tracepoint
	RawTracepoint
	Profile
	Interval
	Software
	Hardware
	Watchpoint
	AsyncWatchpoint
	Fentry
	Fexit
	Iter
	SelfProbe
)

// ProviderInfo describes one provider: its canonical name, the names that
// select it, and how many components its attach points take after the
// provider (min..max).
type ProviderInfo struct {
	Name    string
	Aliases []string
	MinArgs int
	MaxArgs int
}

// Providers is the registry of probe types, indexed by Provider.
var Providers = [...]ProviderInfo{
	ProviderInvalid: {Name: "invalid"},
	Begin:           {Name: "BEGIN", Aliases: []string{"begin"}},
	End:             {Name: "END", Aliases: []string{"end"}},
	Kprobe:          {Name: "kprobe", Aliases: []string{"k"}, MinArgs: 1, MaxArgs: 2},
	Kretprobe:       {Name: "kretprobe", Aliases: []string{"kr"}, MinArgs: 1, MaxArgs: 2},
	Uprobe:          {Name: "uprobe", Aliases: []string{"u"}, MinArgs: 1, MaxArgs: 3},
	Uretprobe:       {Name: "uretprobe", Aliases: []string{"ur"}, MinArgs: 1, MaxArgs: 3},
	USDT:            {Name: "usdt", Aliases: []string{"U"}, MinArgs: 1, MaxArgs: 3},
	Tracepoint:      {Name: "tracepoint", Aliases: []string{"t"}, MinArgs: 2, MaxArgs: 2},
	RawTracepoint:   {Name: "rawtracepoint", Aliases: []string{"rt"}, MinArgs: 1, MaxArgs: 2},
	Profile:         {Name: "profile", Aliases: []string{"p"}, MinArgs: 1, MaxArgs: 2},
	Interval:        {Name: "interval", Aliases: []string{"i"}, MinArgs: 1, MaxArgs: 2},
	Software:        {Name: "software", Aliases: []string{"s"}, MinArgs: 1, MaxArgs: 2},
	Hardware:        {Name: "hardware", Aliases: []string{"h"}, MinArgs: 1, MaxArgs: 2},
	Watchpoint:      {Name: "watchpoint", Aliases: []string{"w"}, MinArgs: 3, MaxArgs: 3},
	AsyncWatchpoint: {Name: "asyncwatchpoint", Aliases: []string{"aw"}, MinArgs: 3, MaxArgs: 3},
	Fentry:          {Name: "fentry", Aliases: []string{"f", "kfunc"}, MinArgs: 1, MaxArgs: 2},
	Fexit:           {Name: "fexit", Aliases: []string{"fr", "kretfunc"}, MinArgs: 1, MaxArgs: 2},
	Iter:            {Name: "iter", Aliases: []string{"it"}, MinArgs: 1, MaxArgs: 2},
	SelfProbe:       {Name: "self", MinArgs: 2, MaxArgs: 2},
}

var providerByName = func() map[string]Provider {
	m := map[string]Provider{}
	for p := Begin; int(p) < len(Providers); p++ {
		m[Providers[p].Name] = p
		for _, a := range Providers[p].Aliases {
			m[a] = p
		}
	}
	return m
}()

// LookupProvider resolves a provider name or alias. BEGIN/END are matched
// case-insensitively as in current bpftrace; the others exactly.
func LookupProvider(name string) (Provider, bool) {
	if p, ok := providerByName[name]; ok {
		return p, true
	}
	switch strings.ToLower(name) {
	case "begin":
		return Begin, true
	case "end":
		return End, true
	}
	return ProviderInvalid, false
}

// ProviderNames lists every canonical provider name and alias, for hints.
func ProviderNames() []string {
	out := make([]string, 0, len(providerByName))
	for n := range providerByName {
		out = append(out, n)
	}
	return out
}

func (p Provider) String() string {
	if int(p) < len(Providers) {
		return Providers[p].Name
	}
	return "invalid"
}

// Name returns the full probe name as bpftrace prints it for the `probe`
// builtin: `tracepoint:syscalls:sys_enter_openat`, `BEGIN`.
func (a *AttachPoint) Name() string {
	if len(a.Args) == 0 {
		return a.Provider.String()
	}
	return a.Provider.String() + ":" + strings.Join(a.Args, ":")
}
