p0_0: BEGIN (38 instructions)
	  ; prologue: ctx, stopped flag
	 0: MovReg dst: r6 src: r1
	 1: LoadMapValue dst: r0, fd: 0 off: 0 <state>
	 3: LdXMemDW dst: r0 src: r0 off: 0 imm: 0
	 4: JNEImm dst: r0 off: -1 imm: 0 <exit_1>
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
	17: MovReg dst: r1 src: r7
	18: AddImm dst: r1 imm: 8
	19: MovImm dst: r2 imm: 16
	20: Call FnGetCurrentComm
	21: Call FnGetCurrentPidTgid
	22: RShImm dst: r0 imm: 32
	23: StXMemDW dst: r7 src: r0 off: 24 imm: 0
	24: MovReg dst: r1 src: r7
	25: MovImm dst: r2 imm: 0
	26: Call FnRingbufSubmit
	27: Ja off: -1 <exit_1>
reserve_failed_2:
	28: MovImm dst: r1 imm: 0
	29: StXMemW dst: rfp src: r1 off: -8 imm: 0
	30: LoadMapPtr dst: r1 fd: 0 <lost>
	32: MovReg dst: r2 src: rfp
	33: AddImm dst: r2 imm: -8
	34: Call FnMapLookupElem
	35: JEqImm dst: r0 off: -1 imm: 0 <exit_1>
	36: LdXMemDW dst: r1 src: r0 off: 0 imm: 0
	37: AddImm dst: r1 imm: 1
	38: StXMemDW dst: r0 src: r1 off: 0 imm: 0
exit_1:
	39: MovImm dst: r0 imm: 0
	40: Exit

