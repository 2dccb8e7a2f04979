// Command vulndb writes a Trivy vulnerability database (trivy.db + metadata.json) from fixture YAML
// files, offline. The kit (grader/vulndb.py) writes those files from the advisories it ships; Trivy
// then scans with `--cache-dir <dir> --skip-db-update --offline-scan`.
//
// Usage: vulndb -db DIR FILE.yaml...   (DIR is Trivy's `<cache-dir>/db`)
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	fixtures "github.com/aquasecurity/bolt-fixtures"
	trivydb "github.com/aquasecurity/trivy-db/pkg/db"
	"github.com/aquasecurity/trivy-db/pkg/metadata"
)

func main() {
	dir := flag.String("db", "", "directory of trivy.db and metadata.json (<cache-dir>/db)")
	flag.Parse()
	if *dir == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: vulndb -db DIR FILE.yaml...")
		os.Exit(2)
	}
	if err := build(*dir, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "vulndb:", err)
		os.Exit(1)
	}
}

func build(dir string, files []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := trivydb.Path(dir)
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	loader, err := fixtures.New(path, files)
	if err != nil {
		return err
	}
	if err := loader.Load(); err != nil {
		loader.Close()
		return err
	}
	if err := loader.Close(); err != nil {
		return err
	}
	now := time.Now().UTC()
	return metadata.NewClient(dir).Update(metadata.Metadata{
		Version:      trivydb.SchemaVersion,
		NextUpdate:   now.AddDate(100, 0, 0),
		UpdatedAt:    now,
		DownloadedAt: now,
	})
}
