// Package kubernetes holds no code: its tests prove the manifests beside
// them without a cluster. manifests_test.go decodes every manifest
// strictly into the k8s.io/api types and checks each privilege against
// the tables of README.md; run_test.go runs gtrace with exactly the
// DaemonSet's capabilities and mounts. k8s.io/api is a test dependency
// only: the gtrace binary does not link it.
package kubernetes
