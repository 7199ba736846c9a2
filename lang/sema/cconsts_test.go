//go:build linux

package sema_test

import (
	"os"
	"syscall"
	"testing"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/sema"
	"github.com/gtrace/gtrace/probes"
)

// TestCConstsMatchHost cross-checks the C constant table against the Go
// standard library's syscall package, which is generated from the same
// kernel headers for the host's architecture (so arm64's O_ flags are
// checked on arm64).
func TestCConstsMatchHost(t *testing.T) {
	want := map[string]int64{
		"AF_UNSPEC": syscall.AF_UNSPEC, "AF_UNIX": syscall.AF_UNIX, "AF_INET": syscall.AF_INET,
		"AF_INET6": syscall.AF_INET6, "AF_NETLINK": syscall.AF_NETLINK, "AF_PACKET": syscall.AF_PACKET,
		"AF_BRIDGE": syscall.AF_BRIDGE, "AF_KEY": syscall.AF_KEY, "AF_ALG": syscall.AF_ALG,
		"AF_BLUETOOTH": syscall.AF_BLUETOOTH, "AF_CAN": syscall.AF_CAN, "AF_TIPC": syscall.AF_TIPC,
		"PF_INET": syscall.AF_INET, "PF_INET6": syscall.AF_INET6, "PF_UNIX": syscall.AF_UNIX,
		"IPPROTO_IP": syscall.IPPROTO_IP, "IPPROTO_ICMP": syscall.IPPROTO_ICMP, "IPPROTO_TCP": syscall.IPPROTO_TCP,
		"IPPROTO_UDP": syscall.IPPROTO_UDP, "IPPROTO_IPV6": syscall.IPPROTO_IPV6, "IPPROTO_ICMPV6": syscall.IPPROTO_ICMPV6,
		"IPPROTO_SCTP": syscall.IPPROTO_SCTP, "IPPROTO_RAW": syscall.IPPROTO_RAW, "IPPROTO_GRE": syscall.IPPROTO_GRE,
		"IPPROTO_UDPLITE": syscall.IPPROTO_UDPLITE, "IPPROTO_DCCP": syscall.IPPROTO_DCCP,
		"SOCK_STREAM": syscall.SOCK_STREAM, "SOCK_DGRAM": syscall.SOCK_DGRAM, "SOCK_RAW": syscall.SOCK_RAW,
		"SOCK_SEQPACKET": syscall.SOCK_SEQPACKET, "SOCK_PACKET": syscall.SOCK_PACKET,
		"SOCK_NONBLOCK": syscall.SOCK_NONBLOCK, "SOCK_CLOEXEC": syscall.SOCK_CLOEXEC,
		"O_RDONLY": syscall.O_RDONLY, "O_WRONLY": syscall.O_WRONLY, "O_RDWR": syscall.O_RDWR,
		"O_ACCMODE": syscall.O_ACCMODE, "O_CREAT": syscall.O_CREAT, "O_EXCL": syscall.O_EXCL,
		"O_NOCTTY": syscall.O_NOCTTY, "O_TRUNC": syscall.O_TRUNC, "O_APPEND": syscall.O_APPEND,
		"O_NONBLOCK": syscall.O_NONBLOCK, "O_NDELAY": syscall.O_NDELAY, "O_DSYNC": syscall.O_DSYNC,
		"O_ASYNC": syscall.O_ASYNC, "O_DIRECT": syscall.O_DIRECT, "O_DIRECTORY": syscall.O_DIRECTORY,
		"O_NOFOLLOW": syscall.O_NOFOLLOW, "O_NOATIME": syscall.O_NOATIME, "O_CLOEXEC": syscall.O_CLOEXEC,
		"O_SYNC": syscall.O_SYNC, "O_RSYNC": syscall.O_RSYNC,
		"EPERM": int64(syscall.EPERM), "ENOENT": int64(syscall.ENOENT), "EINTR": int64(syscall.EINTR),
		"EAGAIN": int64(syscall.EAGAIN), "EWOULDBLOCK": int64(syscall.EWOULDBLOCK), "ENOMEM": int64(syscall.ENOMEM),
		"EACCES": int64(syscall.EACCES), "EFAULT": int64(syscall.EFAULT), "EBUSY": int64(syscall.EBUSY),
		"EEXIST": int64(syscall.EEXIST), "EINVAL": int64(syscall.EINVAL), "EMFILE": int64(syscall.EMFILE),
		"ENOSPC": int64(syscall.ENOSPC), "EPIPE": int64(syscall.EPIPE), "ENOSYS": int64(syscall.ENOSYS),
		"ELOOP": int64(syscall.ELOOP), "ENODATA": int64(syscall.ENODATA), "EOVERFLOW": int64(syscall.EOVERFLOW),
		"ENOTSOCK": int64(syscall.ENOTSOCK), "EOPNOTSUPP": int64(syscall.EOPNOTSUPP), "ENOTSUP": int64(syscall.ENOTSUP),
		"EAFNOSUPPORT": int64(syscall.EAFNOSUPPORT), "EADDRINUSE": int64(syscall.EADDRINUSE),
		"EADDRNOTAVAIL": int64(syscall.EADDRNOTAVAIL), "ENETUNREACH": int64(syscall.ENETUNREACH),
		"ECONNABORTED": int64(syscall.ECONNABORTED), "ECONNRESET": int64(syscall.ECONNRESET),
		"ENOBUFS": int64(syscall.ENOBUFS), "ENOTCONN": int64(syscall.ENOTCONN), "ETIMEDOUT": int64(syscall.ETIMEDOUT),
		"ECONNREFUSED": int64(syscall.ECONNREFUSED), "EHOSTUNREACH": int64(syscall.EHOSTUNREACH),
		"EALREADY": int64(syscall.EALREADY), "EINPROGRESS": int64(syscall.EINPROGRESS), "ESTALE": int64(syscall.ESTALE),
		"EDQUOT": int64(syscall.EDQUOT), "ECANCELED": int64(syscall.ECANCELED),
		"ERFKILL": int64(syscall.ERFKILL), "ENOTRECOVERABLE": int64(syscall.ENOTRECOVERABLE),
		"EILSEQ": int64(syscall.EILSEQ), "EPROTO": int64(syscall.EPROTO), "ETIME": int64(syscall.ETIME),
		"SIGHUP": int64(syscall.SIGHUP), "SIGINT": int64(syscall.SIGINT), "SIGQUIT": int64(syscall.SIGQUIT),
		"SIGILL": int64(syscall.SIGILL), "SIGTRAP": int64(syscall.SIGTRAP), "SIGABRT": int64(syscall.SIGABRT),
		"SIGBUS": int64(syscall.SIGBUS), "SIGFPE": int64(syscall.SIGFPE), "SIGKILL": int64(syscall.SIGKILL),
		"SIGUSR1": int64(syscall.SIGUSR1), "SIGSEGV": int64(syscall.SIGSEGV), "SIGUSR2": int64(syscall.SIGUSR2),
		"SIGPIPE": int64(syscall.SIGPIPE), "SIGALRM": int64(syscall.SIGALRM), "SIGTERM": int64(syscall.SIGTERM),
		"SIGSTKFLT": int64(syscall.SIGSTKFLT), "SIGCHLD": int64(syscall.SIGCHLD), "SIGCONT": int64(syscall.SIGCONT),
		"SIGSTOP": int64(syscall.SIGSTOP), "SIGTSTP": int64(syscall.SIGTSTP), "SIGTTIN": int64(syscall.SIGTTIN),
		"SIGTTOU": int64(syscall.SIGTTOU), "SIGURG": int64(syscall.SIGURG), "SIGXCPU": int64(syscall.SIGXCPU),
		"SIGXFSZ": int64(syscall.SIGXFSZ), "SIGVTALRM": int64(syscall.SIGVTALRM), "SIGPROF": int64(syscall.SIGPROF),
		"SIGWINCH": int64(syscall.SIGWINCH), "SIGIO": int64(syscall.SIGIO), "SIGPWR": int64(syscall.SIGPWR),
		"SIGSYS":   int64(syscall.SIGSYS),
		"CLONE_VM": syscall.CLONE_VM, "CLONE_FS": syscall.CLONE_FS, "CLONE_FILES": syscall.CLONE_FILES,
		"CLONE_SIGHAND": syscall.CLONE_SIGHAND, "CLONE_PTRACE": syscall.CLONE_PTRACE, "CLONE_VFORK": syscall.CLONE_VFORK,
		"CLONE_PARENT": syscall.CLONE_PARENT, "CLONE_THREAD": syscall.CLONE_THREAD, "CLONE_NEWNS": syscall.CLONE_NEWNS,
		"CLONE_SYSVSEM": syscall.CLONE_SYSVSEM, "CLONE_SETTLS": syscall.CLONE_SETTLS,
		"CLONE_PARENT_SETTID": syscall.CLONE_PARENT_SETTID, "CLONE_CHILD_CLEARTID": syscall.CLONE_CHILD_CLEARTID,
		"CLONE_DETACHED": syscall.CLONE_DETACHED, "CLONE_UNTRACED": syscall.CLONE_UNTRACED,
		"CLONE_CHILD_SETTID": syscall.CLONE_CHILD_SETTID, "CLONE_NEWUTS": syscall.CLONE_NEWUTS,
		"CLONE_NEWIPC": syscall.CLONE_NEWIPC, "CLONE_NEWUSER": syscall.CLONE_NEWUSER, "CLONE_NEWPID": syscall.CLONE_NEWPID,
		"CLONE_NEWNET": syscall.CLONE_NEWNET, "CLONE_IO": syscall.CLONE_IO,
		"PROT_NONE": syscall.PROT_NONE, "PROT_READ": syscall.PROT_READ, "PROT_WRITE": syscall.PROT_WRITE,
		"PROT_EXEC": syscall.PROT_EXEC, "PROT_GROWSDOWN": syscall.PROT_GROWSDOWN, "PROT_GROWSUP": syscall.PROT_GROWSUP,
		"MAP_SHARED": syscall.MAP_SHARED, "MAP_PRIVATE": syscall.MAP_PRIVATE, "MAP_TYPE": syscall.MAP_TYPE,
		"MAP_FIXED": syscall.MAP_FIXED, "MAP_ANONYMOUS": syscall.MAP_ANONYMOUS, "MAP_ANON": syscall.MAP_ANON,
		"MAP_GROWSDOWN": syscall.MAP_GROWSDOWN, "MAP_DENYWRITE": syscall.MAP_DENYWRITE,
		"MAP_EXECUTABLE": syscall.MAP_EXECUTABLE, "MAP_LOCKED": syscall.MAP_LOCKED,
		"MAP_NORESERVE": syscall.MAP_NORESERVE, "MAP_POPULATE": syscall.MAP_POPULATE,
		"MAP_NONBLOCK": syscall.MAP_NONBLOCK, "MAP_STACK": syscall.MAP_STACK, "MAP_HUGETLB": syscall.MAP_HUGETLB,
		"S_IFMT": syscall.S_IFMT, "S_IFSOCK": syscall.S_IFSOCK, "S_IFLNK": syscall.S_IFLNK, "S_IFREG": syscall.S_IFREG,
		"S_IFBLK": syscall.S_IFBLK, "S_IFDIR": syscall.S_IFDIR, "S_IFCHR": syscall.S_IFCHR, "S_IFIFO": syscall.S_IFIFO,
		"S_ISUID": syscall.S_ISUID, "S_ISGID": syscall.S_ISGID, "S_ISVTX": syscall.S_ISVTX,
		"S_IRWXU": syscall.S_IRWXU, "S_IRUSR": syscall.S_IRUSR, "S_IWUSR": syscall.S_IWUSR, "S_IXUSR": syscall.S_IXUSR,
		"S_IRWXG": syscall.S_IRWXG, "S_IRGRP": syscall.S_IRGRP, "S_IWGRP": syscall.S_IWGRP, "S_IXGRP": syscall.S_IXGRP,
		"S_IRWXO": syscall.S_IRWXO, "S_IROTH": syscall.S_IROTH, "S_IWOTH": syscall.S_IWOTH, "S_IXOTH": syscall.S_IXOTH,
	}
	for name, w := range want {
		got, ok := sema.CConst(name)
		if !ok {
			t.Errorf("%s: missing from the table", name)
		} else if got != w {
			t.Errorf("%s = %#x, want %#x (syscall package)", name, got, w)
		}
	}
}

// TestIdentResolution checks the order: script enum > #define > C constant
// table > kernel enumerator (Env).
func TestIdentResolution(t *testing.T) {
	env := testEnv()
	env.Enums = map[string]int64{"TCP_FIN_WAIT1": 99, "SKB_DROP_REASON_NOT_SPECIFIED": 2, "MY_ENUM": 7}
	for _, tc := range []struct {
		src  string
		want int64
	}{
		{`BEGIN { $x = AF_INET6; }`, 10},
		{`BEGIN { $x = TASK_RUNNING; }`, 0},
		{`BEGIN { $x = O_CREAT; }`, 0o100},
		{`BEGIN { $x = SKB_DROP_REASON_NOT_SPECIFIED; }`, 2},
		{`BEGIN { $x = MY_ENUM; }`, 7},
		{`BEGIN { $x = TCP_FIN_WAIT1; }`, 4},                 // table before the kernel
		{"#define AF_INET6 3\nBEGIN { $x = AF_INET6; }", 3},  // #define before the table
		{`enum { AF_INET = 5 }; BEGIN { $x = AF_INET; }`, 5}, // script enum first
		{`enum { MY_ENUM = 1 }; BEGIN { $x = MY_ENUM; }`, 1},
	} {
		p, info, errs := checkSrc(t, tc.src, sema.Options{Env: env})
		if len(errs) > 0 {
			t.Errorf("%s:\n%s", tc.src, render(tc.src, errs))
			continue
		}
		e := exprOf(p, func(e lang.Expr) bool {
			_, ok := e.(*lang.IntLit)
			_, ok2 := e.(*lang.Ident)
			return ok || ok2
		})
		if v, ok := info.Consts[e]; !ok || v != tc.want {
			t.Errorf("%s: value %d (const %v), want %d", tc.src, v, ok, tc.want)
		}
	}
	// Unknown everywhere: an error, with a spelling hint from the table.
	src := `BEGIN { $x = TASK_RUNING; }`
	_, _, errs := checkSrc(t, src, sema.Options{Env: env})
	if len(errs) != 1 || errs[0].Msg != "Unknown identifier: 'TASK_RUNING'" || errs[0].Hint != "did you mean 'TASK_RUNNING'?" {
		t.Errorf("unknown identifier:\n%s", render(src, errs))
	}
	// Without a kernel, an enumerator-like name is an integer of unknown
	// value; other names stay errors.
	for src, ok := range map[string]bool{
		`BEGIN { if (1 > SKB_DROP_REASON_NOT_SPECIFIED) {} }`: true,
		`BEGIN { $x = frobnicate; }`:                          false,
	} {
		p, info, errs := checkSrc(t, src, sema.Options{Env: sema.NoKernel})
		if errs.HasErrors() == ok {
			t.Errorf("NoKernel %s:\n%s", src, render(src, errs))
		}
		if id := exprOf(p, func(e lang.Expr) bool { _, ok := e.(*lang.Ident); return ok }); ok && id != nil {
			if _, isConst := info.Consts[id]; isConst {
				t.Errorf("NoKernel %s: unknown enumerator folded to a constant", src)
			}
		}
	}
}

// TestCConstsMatchKernelBTF compares the table's constants that are also
// enumerators of the running kernel's BTF (TCP states, BPF update flags).
func TestCConstsMatchKernelBTF(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to read kernel BTF")
	}
	k := probes.NewKernel()
	names := []string{"TCP_ESTABLISHED", "TCP_SYN_SENT", "TCP_SYN_RECV", "TCP_FIN_WAIT1", "TCP_FIN_WAIT2",
		"TCP_TIME_WAIT", "TCP_CLOSE", "TCP_CLOSE_WAIT", "TCP_LAST_ACK", "TCP_LISTEN", "TCP_CLOSING",
		"TCP_NEW_SYN_RECV", "BPF_ANY", "BPF_NOEXIST", "BPF_EXIST", "BPF_F_LOCK"}
	for _, name := range names {
		v, ok, err := k.Enumerator(name)
		if err != nil {
			t.Skip("no kernel BTF:", err)
		}
		if !ok {
			continue
		}
		if c, _ := sema.CConst(name); c != v {
			t.Errorf("%s: table %d, kernel BTF %d", name, c, v)
		}
	}
}
