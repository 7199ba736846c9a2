p0_0: BEGIN (40 instructions)
	  ; prologue: ctx, stopped flag
	 0: MovReg dst: r6 src: r1
	 1: LoadMapValue dst: r0, fd: 0 off: 0 <state>
	 3: LdXMemDW dst: r0 src: r0 off: 0 imm: 0
	 4: JEqImm dst: r0 off: -1 imm: 1 <exit_1>
	  ; /pid > 1/
	 5: Call FnGetCurrentPidTgid
	 6: RShImm dst: r0 imm: 32
	 7: JLEImm dst: r0 off: -1 imm: 1 <exit_1>
	  ; printf("%s %d\n", comm, pid)
	 8: LoadMapPtr dst: r1 fd: 0 <events>
	10: MovImm dst: r2 imm: 32
	11: MovImm dst: r3 imm: 0
	12: Call FnRingbufReserve
	13: JEqImm dst: r0 off: -1 imm: 0 <reserve_failed_2>
	14: MovReg dst: r7 src: r0
	15: MovImm dst: r1 imm: 0
	16: StXMemDW dst: r7 src: r1 off: 0 imm: 0
	17: StMemDW dst: r7 src: r0 off: 8 imm: 0
	18: StMemDW dst: r7 src: r0 off: 16 imm: 0
	19: MovReg dst: r1 src: r7
	20: AddImm dst: r1 imm: 8
	21: MovImm dst: r2 imm: 16
	22: Call FnGetCurrentComm
	23: Call FnGetCurrentPidTgid
	24: RShImm dst: r0 imm: 32
	25: StXMemDW dst: r7 src: r0 off: 24 imm: 0
	26: MovReg dst: r1 src: r7
	27: MovImm dst: r2 imm: 0
	28: Call FnRingbufSubmit
	29: Ja off: -1 <exit_1>
reserve_failed_2:
	30: MovImm dst: r1 imm: 0
	31: StXMemW dst: rfp src: r1 off: -8 imm: 0
	32: LoadMapPtr dst: r1 fd: 0 <lost>
	34: MovReg dst: r2 src: rfp
	35: AddImm dst: r2 imm: -8
	36: Call FnMapLookupElem
	37: JEqImm dst: r0 off: -1 imm: 0 <exit_1>
	38: LdXMemDW dst: r1 src: r0 off: 0 imm: 0
	39: AddImm dst: r1 imm: 1
	40: StXMemDW dst: r0 src: r1 off: 0 imm: 0
exit_1:
	41: MovImm dst: r0 imm: 0
	42: Exit

