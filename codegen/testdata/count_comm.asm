p0_0: BEGIN (46 instructions)
	  ; prologue: ctx, stopped flag
	 0: MovReg dst: r6 src: r1
	 1: LoadMapValue dst: r0, fd: 0 off: 0 <state>
	 3: LdXMemDW dst: r0 src: r0 off: 0 imm: 0
	 4: JEqImm dst: r0 off: -1 imm: 1 <exit_1>
	  ; @[comm] = count()
	 5: StMemDW dst: rfp src: r0 off: -16 imm: 0
	 6: StMemDW dst: rfp src: r0 off: -8 imm: 0
	 7: MovReg dst: r1 src: rfp
	 8: AddImm dst: r1 imm: -16
	 9: MovImm dst: r2 imm: 16
	10: Call FnGetCurrentComm
	11: LoadMapPtr dst: r1 fd: 0 <@>
	13: MovReg dst: r2 src: rfp
	14: AddImm dst: r2 imm: -16
	15: Call FnMapLookupElem
	16: JNEImm dst: r0 off: -1 imm: 0 <agg_found_2>
	17: StMemDW dst: rfp src: r0 off: -24 imm: 1
	18: LoadMapPtr dst: r1 fd: 0 <@>
	20: MovReg dst: r2 src: rfp
	21: AddImm dst: r2 imm: -16
	22: MovReg dst: r3 src: rfp
	23: AddImm dst: r3 imm: -24
	24: MovImm dst: r4 imm: 0
	25: Call FnMapUpdateElem
	26: LShImm dst: r0 imm: 32
	27: ArShImm dst: r0 imm: 32
	28: JSGEImm dst: r0 off: -1 imm: 0 <lost_done_6>
	29: MovImm dst: r1 imm: 1
	30: JEqImm dst: r0 off: -1 imm: -7 <cause_found_5>
	31: MovImm dst: r1 imm: 2
	32: JEqImm dst: r0 off: -1 imm: -12 <cause_found_5>
	33: MovImm dst: r1 imm: 3
cause_found_5:
	34: StXMemW dst: rfp src: r1 off: -32 imm: 0
	35: LoadMapPtr dst: r1 fd: 0 <lost>
	37: MovReg dst: r2 src: rfp
	38: AddImm dst: r2 imm: -32
	39: Call FnMapLookupElem
	40: JEqImm dst: r0 off: -1 imm: 0 <lost_done_6>
	41: LdXMemDW dst: r1 src: r0 off: 0 imm: 0
	42: AddImm dst: r1 imm: 1
	43: StXMemDW dst: r0 src: r1 off: 0 imm: 0
lost_done_6:
	44: Ja off: -1 <exit_1>
agg_found_2:
	45: LdXMemDW dst: r1 src: r0 off: 0 imm: 0
	46: AddImm dst: r1 imm: 1
	47: StXMemDW dst: r0 src: r1 off: 0 imm: 0
exit_1:
	48: MovImm dst: r0 imm: 0
	49: Exit

