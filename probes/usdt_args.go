package probes

import (
	"fmt"
	"strconv"
	"strings"
)

// USDTArgKind is where a USDT argument lives at the probe site.
type USDTArgKind uint8

const (
	// USDTConst: the value is Value ("-4@$5" on x86-64, "-4@#5" on arm64).
	USDTConst USDTArgKind = iota + 1
	// USDTReg: the value is in register Reg ("8@%rdx", "-4@w1").
	USDTReg
	// USDTMem: the value is at Reg + Index*Scale + Value in the traced
	// process's memory ("8@-8(%rbp)", "4@[sp, 12]").
	USDTMem
)

// USDTArg is one parsed argument spec of a `.note.stapsdt` probe, in the
// form code generation turns into a load from pt_regs (and a user-memory
// read for USDTMem), truncated to Size bytes and sign-extended if Signed.
type USDTArg struct {
	Spec   string // as written in the note
	Size   int    // 1, 2, 4 or 8
	Signed bool
	Kind   USDTArgKind
	// Reg and Index name registers by their field in the kernel's struct
	// pt_regs: x86-64 "ax", "bx", "cx", "dx", "si", "di", "bp", "sp",
	// "r8".."r15", "ip"; arm64 "x0".."x30", "sp", "pc".
	Reg   string
	Index string // x86-64 base+index*scale operands; "" when none
	Scale int
	Value int64 // the constant, or the displacement of a memory operand
	// Err is set when the spec is not understood (a symbol-relative
	// operand such as "8@counter(%rip)"); using the argument is then an
	// error, the probe itself still works.
	Err string
	// RegShift is 8 for x86-64's high-byte registers (%ah, %bh, %ch, %dh).
	RegShift int

	// sym is the symbol of a %rip-relative operand ("counter(%rip)",
	// "8+arr(%rip)": a global variable), until readUSDT turns it into a
	// displacement from the probe's own address (ip at the probe).
	sym string
}

// parseUSDTArgs splits a note's argument string ("-4@%edi 8@-8(%rbp)")
// into arguments for the ELF's machine ("amd64" or "arm64").
func parseUSDTArgs(s, arch string) []USDTArg {
	var out []USDTArg
	for _, f := range splitUSDTArgs(s) {
		out = append(out, parseUSDTArg(f, arch))
	}
	return out
}

// splitUSDTArgs splits on spaces outside brackets (arm64's "[sp, 8]").
func splitUSDTArgs(s string) []string {
	var out []string
	depth, start := 0, -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || (s[i] == ' ' && depth == 0) {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			continue
		}
		switch s[i] {
		case '[':
			depth++
		case ']':
			depth--
		}
		if start < 0 {
			start = i
		}
	}
	return out
}

func parseUSDTArg(spec, arch string) USDTArg {
	a := USDTArg{Spec: spec, Size: 8}
	op := spec
	if sz, rest, ok := strings.Cut(spec, "@"); ok {
		n, err := strconv.Atoi(sz)
		if err != nil || n == 0 {
			a.Err = fmt.Sprintf("bad size in usdt argument %q", spec)
			return a
		}
		if n < 0 {
			a.Signed, n = true, -n
		}
		if n != 1 && n != 2 && n != 4 && n != 8 {
			a.Err = fmt.Sprintf("bad size %d in usdt argument %q", n, spec)
			return a
		}
		a.Size, op = n, rest
	}
	var err error
	if arch == "arm64" {
		err = a.parseARM64(op)
	} else {
		err = a.parseX86(op)
	}
	if err != nil {
		a.Err = fmt.Sprintf("usdt argument %q: %v", spec, err)
	}
	return a
}

// x86Regs maps every x86-64 register name (all widths) to its pt_regs field.
var x86Regs = func() map[string]string {
	m := map[string]string{"rip": "ip", "eip": "ip"}
	for _, r := range []string{"ax", "bx", "cx", "dx"} {
		c := r[:1]
		m["r"+r], m["e"+r], m[r], m[c+"l"] = r, r, r, r
	}
	for _, r := range []string{"si", "di", "bp", "sp"} {
		m["r"+r], m["e"+r], m[r], m[r+"l"] = r, r, r, r
	}
	for i := 8; i <= 15; i++ {
		r := "r" + strconv.Itoa(i)
		m[r], m[r+"d"], m[r+"w"], m[r+"b"] = r, r, r, r
	}
	return m
}()

func x86Reg(s string) (reg string, shift int, err error) {
	name, ok := strings.CutPrefix(s, "%")
	if !ok {
		return "", 0, fmt.Errorf("want a register, not %q", s)
	}
	switch name {
	case "ah", "bh", "ch", "dh":
		return name[:1] + "x", 8, nil
	}
	if r, ok := x86Regs[name]; ok {
		return r, 0, nil
	}
	return "", 0, fmt.Errorf("unknown register %q", s)
}

// parseX86 reads AT&T operands: %reg, $imm, disp(%base), disp(%base,%index,scale).
func (a *USDTArg) parseX86(op string) error {
	switch {
	case strings.HasPrefix(op, "$"):
		v, err := strconv.ParseInt(op[1:], 0, 64)
		if err != nil {
			return fmt.Errorf("bad constant %q", op)
		}
		a.Kind, a.Value = USDTConst, v
		return nil
	case strings.HasPrefix(op, "%"):
		r, shift, err := x86Reg(op)
		a.Kind, a.Reg, a.RegShift = USDTReg, r, shift
		return err
	}
	open := strings.IndexByte(op, '(')
	if open < 0 || !strings.HasSuffix(op, ")") {
		return fmt.Errorf("unknown operand %q", op)
	}
	parts := strings.Split(op[open+1:len(op)-1], ",")
	if disp := op[:open]; disp != "" {
		v, err := strconv.ParseInt(disp, 0, 64)
		if err != nil {
			if len(parts) != 1 || (parts[0] != "%rip" && parts[0] != "%eip") {
				return fmt.Errorf("symbol-relative operand %q not %%rip-relative", op)
			}
			if a.sym, v, err = symbolDisp(disp); err != nil {
				return err
			}
		}
		a.Value = v
	}
	a.Kind = USDTMem
	var err error
	if a.Reg, _, err = x86Reg(parts[0]); err != nil {
		return err
	}
	if len(parts) >= 2 {
		if a.Index, _, err = x86Reg(parts[1]); err != nil {
			return err
		}
		a.Scale = 1
		if len(parts) == 3 {
			if a.Scale, err = strconv.Atoi(parts[2]); err != nil {
				return fmt.Errorf("bad scale in %q", op)
			}
		}
	}
	return nil
}

// symbolDisp splits a symbolic displacement: "counter", "arr+8",
// "8+arr", "arr-4".
func symbolDisp(disp string) (string, int64, error) {
	name, num, sign := disp, "", int64(1)
	if i := strings.IndexAny(disp, "+-"); i > 0 {
		name, num = disp[:i], disp[i+1:]
		if disp[i] == '-' {
			sign = -1
		}
		if _, err := strconv.ParseInt(name, 0, 64); err == nil && disp[i] == '+' {
			name, num = num, name // "8+arr"
		}
	}
	if name == "" || strings.ContainsAny(name, "+-()%$ ") {
		return "", 0, fmt.Errorf("bad displacement %q", disp)
	}
	var v int64
	if num != "" {
		n, err := strconv.ParseInt(num, 0, 64)
		if err != nil {
			return "", 0, fmt.Errorf("bad displacement %q", disp)
		}
		v = sign * n
	}
	return name, v, nil
}

func arm64Reg(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "sp", "wsp":
		return "sp", nil
	case "pc":
		return "pc", nil
	}
	if len(s) >= 2 && (s[0] == 'x' || s[0] == 'w') {
		if n, err := strconv.Atoi(s[1:]); err == nil && n >= 0 && n <= 30 {
			return "x" + s[1:], nil
		}
	}
	return "", fmt.Errorf("unknown register %q", s)
}

// parseARM64 reads xN/wN, #imm or a plain number, [reg] and [reg, #off].
func (a *USDTArg) parseARM64(op string) error {
	if strings.HasPrefix(op, "[") && strings.HasSuffix(op, "]") {
		base, off, hasOff := strings.Cut(op[1:len(op)-1], ",")
		r, err := arm64Reg(base)
		if err != nil {
			return err
		}
		a.Kind, a.Reg = USDTMem, r
		if hasOff {
			v, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(off), "#"), 0, 64)
			if err != nil {
				return fmt.Errorf("bad offset in %q", op)
			}
			a.Value = v
		}
		return nil
	}
	if v, err := strconv.ParseInt(strings.TrimPrefix(op, "#"), 0, 64); err == nil {
		a.Kind, a.Value = USDTConst, v
		return nil
	}
	r, err := arm64Reg(op)
	a.Kind, a.Reg = USDTReg, r
	return err
}

// Const is the value of a USDTConst argument as the probe passes it: the
// constant truncated to Size bytes, sign-extended only when the spec is
// signed ("4@$-202182160" is 4092785136, "-2@$-3600" is -3600), as
// bpftrace reads it.
func (a USDTArg) Const() int64 {
	if a.Size <= 0 || a.Size >= 8 {
		return a.Value
	}
	shift := uint(64 - 8*a.Size)
	if a.Signed {
		return a.Value << shift >> shift
	}
	return int64(uint64(a.Value) << shift >> shift)
}
