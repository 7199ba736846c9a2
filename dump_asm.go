package gtrace

import "io"

// DumpAsm generates the programs as Run would with opts (map sizes, ring
// buffer, kernel) and writes their instructions, each statement's first
// instruction preceded by its script text (`-d asm`). It creates no kernel
// objects.
func (s *Script) DumpAsm(w io.Writer, opts RunOptions) error {
	opts.setDefaults()
	prog, err := s.generate(&opts)
	if err != nil {
		return err
	}
	return prog.Dump(w)
}
