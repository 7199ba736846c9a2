package probes

import "testing"

func TestDemangle(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"_ZN2ns4funcEPKc", "ns::func(char const*)"},
		{"_ZNK2ns6Widget3getEi", "ns::Widget::get(int) const"},
		// LLVM's style, as bpftrace prints it: no space in ">>".
		{"_ZNSt6vectorIiSaIiEE9push_backERKi", "std::vector<int, std::allocator<int>>::push_back(int const&)"},
		{"main", "main"},
		{"main.main", "main.main"}, // Go names are not mangled
		{"_Znot valid", "_Znot valid"},
	} {
		if got := Demangle(c.in); got != c.want {
			t.Errorf("Demangle(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMatchDemangled(t *testing.T) {
	for _, c := range []struct {
		pattern, name string
		want          bool
	}{
		{"ns::func", "ns::func(int)", true},
		{"ns::func", "ns::func(char const*)", true},
		{"ns::func(int)", "ns::func(int)", true},
		{"ns::func(int)", "ns::func(char const*)", false},
		{"func", "ns::func(int)", false}, // anchored at the start
		{"ns::fu", "ns::func(int)", false},
		{"ns::*", "ns::Widget::get(int) const", true},
		{"ns::Widget::get", "ns::Widget::get(int) const", true},
		{"ns::Widget::get(int) const", "ns::Widget::get(int) const", true},
		{"Foo::operator()()", "Foo::operator()()", true},
		{"Foo::operator*", "Foo::operator()()", true},
		{"std::ios_base::Init::Init", "std::ios_base::Init::Init() (.cold)", true},
		{"ns::func", "ns::func(int) (.constprop.0)", true},
		{"std::vector<int, std::allocator<int>>::push_back", "std::vector<int, std::allocator<int>>::push_back(int const&)", true},
	} {
		if got := matchDemangled(c.pattern, c.name); got != c.want {
			t.Errorf("matchDemangled(%q, %q) = %v, want %v", c.pattern, c.name, got, c.want)
		}
	}
}

func TestStripParams(t *testing.T) {
	for in, want := range map[string]string{
		"Foo::operator()()":                   "Foo::operator()",
		"ns::Widget::get(int) const":          "ns::Widget::get",
		"f(int (*)(int))":                     "f",
		"std::ios_base::Init::Init() (.cold)": "std::ios_base::Init::Init",
		"plain":                               "plain",
	} {
		if got := stripParams(in); got != want {
			t.Errorf("stripParams(%q) = %q, want %q", in, got, want)
		}
	}
}
