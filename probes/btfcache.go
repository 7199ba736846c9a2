package probes

import "github.com/cilium/ebpf/btf"

// kernelBTF holds the running kernel's BTF, parsed once per process and
// shared by every Kernel without a BTF override and by cilium/ebpf's
// loader (through KernelBTFCache), which otherwise parses vmlinux again
// to find the targets of tp_btf and fentry programs (~35 ms here).
var kernelBTF = btf.NewCache()

// KernelBTFCache is the cache to load collections with
// (ebpf.CollectionOptions.Cache): it holds the kernel BTF Kernel.Spec
// reads.
func KernelBTFCache() *btf.Cache { return kernelBTF }
