//go:build tools

// Package tools records the command built by `cpin tools build argocd`, so that `go mod tidy` keeps it.
package tools

import (
	_ "github.com/argoproj/argo-cd/v3/cmd"
)
