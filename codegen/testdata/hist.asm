p0_0: BEGIN (83 instructions)
	   ; prologue: ctx, stopped flag
	  0: MovReg dst: r6 src: r1
	  1: LoadMapValue dst: r0, fd: 0 off: 0 <state>
	  3: LdXMemDW dst: r0 src: r0 off: 0 imm: 0
	  4: JEqImm dst: r0 off: -1 imm: 1 <exit_1>
	   ; @ = hist(nsecs)
	  5: Call FnKtimeGetBootNs
	  6: MovReg dst: r7 src: r0
	  7: MovReg dst: r0 src: r7
	  8: JSLTImm dst: r0 off: -1 imm: 0 <hist_neg_2>
	  9: JLTImm dst: r0 off: -1 imm: 2 <hist_small_3>
	 10: MovReg dst: r2 src: r0
	 11: MovImm dst: r1 imm: 0
	 12: MovReg dst: r3 src: r2
	 13: RShImm dst: r3 imm: 32
	 14: JEqImm dst: r3 off: -1 imm: 0 <log2_5>
	 15: MovReg dst: r2 src: r3
	 16: AddImm dst: r1 imm: 32
log2_5:
	 17: JLTImm dst: r2 off: -1 imm: 65536 <log2_6>
	 18: RShImm dst: r2 imm: 16
	 19: AddImm dst: r1 imm: 16
log2_6:
	 20: JLTImm dst: r2 off: -1 imm: 256 <log2_7>
	 21: RShImm dst: r2 imm: 8
	 22: AddImm dst: r1 imm: 8
log2_7:
	 23: JLTImm dst: r2 off: -1 imm: 16 <log2_8>
	 24: RShImm dst: r2 imm: 4
	 25: AddImm dst: r1 imm: 4
log2_8:
	 26: JLTImm dst: r2 off: -1 imm: 4 <log2_9>
	 27: RShImm dst: r2 imm: 2
	 28: AddImm dst: r1 imm: 2
log2_9:
	 29: JLTImm dst: r2 off: -1 imm: 2 <log2_10>
	 30: RShImm dst: r2 imm: 1
	 31: AddImm dst: r1 imm: 1
log2_10:
	 32: MovReg dst: r0 src: r1
	 33: AddImm dst: r0 imm: 2
	 34: Ja off: -1 <hist_done_4>
hist_neg_2:
	 35: MovImm dst: r0 imm: 0
	 36: Ja off: -1 <hist_done_4>
hist_small_3:
	 37: AddImm dst: r0 imm: 1
hist_done_4:
	 38: MovReg dst: r7 src: r0
	 39: StMemDW dst: rfp src: r0 off: -8 imm: 0
	 40: LoadMapPtr dst: r1 fd: 0 <@>
	 42: MovReg dst: r2 src: rfp
	 43: AddImm dst: r2 imm: -8
	 44: Call FnMapLookupElem
	 45: JNEImm dst: r0 off: -1 imm: 0 <agg_found_11>
	 46: LoadMapValue dst: r3, fd: 0 off: 0 <zero>
	 48: LoadMapPtr dst: r1 fd: 0 <@>
	 50: MovReg dst: r2 src: rfp
	 51: AddImm dst: r2 imm: -8
	 52: MovImm dst: r4 imm: 1
	 53: Call FnMapUpdateElem
	 54: LShImm dst: r0 imm: 32
	 55: ArShImm dst: r0 imm: 32
	 56: JSGEImm dst: r0 off: -1 imm: 0 <lost_done_15>
	 57: JEqImm dst: r0 off: -1 imm: -17 <lost_done_15>
	 58: MovImm dst: r1 imm: 1
	 59: JEqImm dst: r0 off: -1 imm: -7 <cause_found_14>
	 60: MovImm dst: r1 imm: 2
	 61: JEqImm dst: r0 off: -1 imm: -12 <cause_found_14>
	 62: MovImm dst: r1 imm: 3
cause_found_14:
	 63: StXMemW dst: rfp src: r1 off: -16 imm: 0
	 64: LoadMapPtr dst: r1 fd: 0 <lost>
	 66: MovReg dst: r2 src: rfp
	 67: AddImm dst: r2 imm: -16
	 68: Call FnMapLookupElem
	 69: JEqImm dst: r0 off: -1 imm: 0 <lost_done_15>
	 70: LdXMemDW dst: r1 src: r0 off: 0 imm: 0
	 71: AddImm dst: r1 imm: 1
	 72: StXMemDW dst: r0 src: r1 off: 0 imm: 0
lost_done_15:
	 73: LoadMapPtr dst: r1 fd: 0 <@>
	 75: MovReg dst: r2 src: rfp
	 76: AddImm dst: r2 imm: -8
	 77: Call FnMapLookupElem
	 78: JEqImm dst: r0 off: -1 imm: 0 <exit_1>
agg_found_11:
	 79: StMemDW dst: r0 src: r0 off: 520 imm: 1
	 80: MovReg dst: r2 src: r7
	 81: JGEImm dst: r2 off: -1 imm: 65 <exit_1>
	 82: LShImm dst: r2 imm: 3
	 83: AddReg dst: r0 src: r2
	 84: LdXMemDW dst: r1 src: r0 off: 0 imm: 0
	 85: AddImm dst: r1 imm: 1
	 86: StXMemDW dst: r0 src: r1 off: 0 imm: 0
exit_1:
	 87: MovImm dst: r0 imm: 0
	 88: Exit

