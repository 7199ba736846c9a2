p0_0: BEGIN (85 instructions)
	   ; prologue: ctx, stopped flag
	  0: MovReg dst: r6 src: r1
	  1: LoadMapValue dst: r0, fd: 0 off: 0 <state>
	  3: LdXMemDW dst: r0 src: r0 off: 0 imm: 0
	  4: JNEImm dst: r0 off: -1 imm: 0 <exit_1>
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
	 17: MovReg dst: r3 src: r2
	 18: RShImm dst: r3 imm: 16
	 19: JEqImm dst: r3 off: -1 imm: 0 <log2_6>
	 20: MovReg dst: r2 src: r3
	 21: AddImm dst: r1 imm: 16
log2_6:
	 22: MovReg dst: r3 src: r2
	 23: RShImm dst: r3 imm: 8
	 24: JEqImm dst: r3 off: -1 imm: 0 <log2_7>
	 25: MovReg dst: r2 src: r3
	 26: AddImm dst: r1 imm: 8
log2_7:
	 27: MovReg dst: r3 src: r2
	 28: RShImm dst: r3 imm: 4
	 29: JEqImm dst: r3 off: -1 imm: 0 <log2_8>
	 30: MovReg dst: r2 src: r3
	 31: AddImm dst: r1 imm: 4
log2_8:
	 32: MovReg dst: r3 src: r2
	 33: RShImm dst: r3 imm: 2
	 34: JEqImm dst: r3 off: -1 imm: 0 <log2_9>
	 35: MovReg dst: r2 src: r3
	 36: AddImm dst: r1 imm: 2
log2_9:
	 37: MovReg dst: r3 src: r2
	 38: RShImm dst: r3 imm: 1
	 39: JEqImm dst: r3 off: -1 imm: 0 <log2_10>
	 40: MovReg dst: r2 src: r3
	 41: AddImm dst: r1 imm: 1
log2_10:
	 42: MovReg dst: r0 src: r1
	 43: AddImm dst: r0 imm: 2
	 44: Ja off: -1 <hist_done_4>
hist_neg_2:
	 45: MovImm dst: r0 imm: 0
	 46: Ja off: -1 <hist_done_4>
hist_small_3:
	 47: AddImm dst: r0 imm: 1
hist_done_4:
	 48: MovReg dst: r7 src: r0
	 49: StMemDW dst: rfp src: r0 off: -8 imm: 0
	 50: LoadMapPtr dst: r1 fd: 0 <@>
	 52: MovReg dst: r2 src: rfp
	 53: AddImm dst: r2 imm: -8
	 54: Call FnMapLookupElem
	 55: JNEImm dst: r0 off: -1 imm: 0 <agg_found_11>
	 56: LoadMapValue dst: r3, fd: 0 off: 0 <zero>
	 58: LoadMapPtr dst: r1 fd: 0 <@>
	 60: MovReg dst: r2 src: rfp
	 61: AddImm dst: r2 imm: -8
	 62: MovImm dst: r4 imm: 1
	 63: Call FnMapUpdateElem
	 64: JSGEImm dst: r0 off: -1 imm: 0 <lost_done_14>
	 65: JEqImm dst: r0 off: -1 imm: -17 <lost_done_14>
	 66: StMemW dst: rfp src: r0 off: -16 imm: 1
	 67: LoadMapPtr dst: r1 fd: 0 <lost>
	 69: MovReg dst: r2 src: rfp
	 70: AddImm dst: r2 imm: -16
	 71: Call FnMapLookupElem
	 72: JEqImm dst: r0 off: -1 imm: 0 <lost_done_14>
	 73: LdXMemDW dst: r1 src: r0 off: 0 imm: 0
	 74: AddImm dst: r1 imm: 1
	 75: StXMemDW dst: r0 src: r1 off: 0 imm: 0
lost_done_14:
	 76: LoadMapPtr dst: r1 fd: 0 <@>
	 78: MovReg dst: r2 src: rfp
	 79: AddImm dst: r2 imm: -8
	 80: Call FnMapLookupElem
	 81: JEqImm dst: r0 off: -1 imm: 0 <exit_1>
agg_found_11:
	 82: MovReg dst: r2 src: r7
	 83: JGEImm dst: r2 off: -1 imm: 65 <exit_1>
	 84: LShImm dst: r2 imm: 3
	 85: AddReg dst: r0 src: r2
	 86: LdXMemDW dst: r1 src: r0 off: 0 imm: 0
	 87: AddImm dst: r1 imm: 1
	 88: StXMemDW dst: r0 src: r1 off: 0 imm: 0
exit_1:
	 89: MovImm dst: r0 imm: 0
	 90: Exit

