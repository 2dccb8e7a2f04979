// Command etcd is the etcd server, built from the pinned module (etcd's own server/main.go does the same).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
