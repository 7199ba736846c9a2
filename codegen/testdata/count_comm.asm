p0_0: BEGIN (42 instructions)
	  ; prologue: ctx, stopped flag
	 0: MovReg dst: r6 src: r1
	 1: LoadMapValue dst: r0, fd: 0 off: 0 <state>
	 3: LdXMemDW dst: r0 src: r0 off: 0 imm: 0
	 4: JNEImm dst: r0 off: -1 imm: 0 <exit_1>
	  ; @[comm] = count()
	 5: MovReg dst: r1 src: rfp
	 6: AddImm dst: r1 imm: -16
	 7: MovImm dst: r2 imm: 16
	 8: Call FnGetCurrentComm
	 9: LoadMapPtr dst: r1 fd: 0 <@>
	11: MovReg dst: r2 src: rfp
	12: AddImm dst: r2 imm: -16
	13: Call FnMapLookupElem
	14: JNEImm dst: r0 off: -1 imm: 0 <agg_found_2>
	15: StMemDW dst: rfp src: r0 off: -24 imm: 1
	16: LoadMapPtr dst: r1 fd: 0 <@>
	18: MovReg dst: r2 src: rfp
	19: AddImm dst: r2 imm: -16
	20: MovReg dst: r3 src: rfp
	21: AddImm dst: r3 imm: -24
	22: MovImm dst: r4 imm: 0
	23: Call FnMapUpdateElem
	24: JSGEImm dst: r0 off: -1 imm: 0 <lost_done_6>
	25: MovImm dst: r1 imm: 1
	26: JEqImm dst: r0 off: -1 imm: -7 <cause_found_5>
	27: MovImm dst: r1 imm: 2
	28: JEqImm dst: r0 off: -1 imm: -12 <cause_found_5>
	29: MovImm dst: r1 imm: 3
cause_found_5:
	30: StXMemW dst: rfp src: r1 off: -32 imm: 0
	31: LoadMapPtr dst: r1 fd: 0 <lost>
	33: MovReg dst: r2 src: rfp
	34: AddImm dst: r2 imm: -32
	35: Call FnMapLookupElem
	36: JEqImm dst: r0 off: -1 imm: 0 <lost_done_6>
	37: LdXMemDW dst: r1 src: r0 off: 0 imm: 0
	38: AddImm dst: r1 imm: 1
	39: StXMemDW dst: r0 src: r1 off: 0 imm: 0
lost_done_6:
	40: Ja off: -1 <exit_1>
agg_found_2:
	41: LdXMemDW dst: r1 src: r0 off: 0 imm: 0
	42: AddImm dst: r1 imm: 1
	43: StXMemDW dst: r0 src: r1 off: 0 imm: 0
exit_1:
	44: MovImm dst: r0 imm: 0
	45: Exit

