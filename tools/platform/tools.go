//go:build tools

// Package tools records the commands built by `cpin tools build`, so that `go mod tidy` keeps them.
package tools

import (
	_ "github.com/distribution/distribution/v3/cmd/registry"
)
