package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/feedfold/feedfold/config"
	"github.com/feedfold/feedfold/store"
)

func (a *app) pruneCmd() *cobra.Command {
	var olderThan string
	cmd := &cobra.Command{
		Use:   "prune --older-than AGE",
		Short: "Remove articles published longer ago than AGE, and give the space back",
		Example: `  feedfold prune --older-than 90d
  feedfold prune --older-than 720h`,
		Long: `Prune removes every article published before now minus AGE: its text,
fingerprints, index keys and matches. Clusters and stories that lose every
member go too; those that keep some are brought up to date, and their read
marks stay. Then the freed space is given back, so the file shrinks.

Set "retention:" in the config to have "feedfold run" do this once a day, and
to skip items older than the cutoff that a feed or a drop brings again. Beside
a running daemon it refuses: the daemon prunes by itself when retention is set.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if olderThan == "" {
				return errors.New("--older-than is required, like --older-than 90d")
			}
			age, err := config.ParseAge(olderThan)
			if err != nil {
				return fmt.Errorf("--older-than: %w", err)
			}
			if age <= 0 {
				return errors.New("--older-than must be longer than 0: it would remove every article")
			}
			cfg, err := a.config()
			if err != nil {
				return err
			}
			db := cfg.DatabasePath(a.dbPath)
			lock, err := lockDatabase(cmd.Context(), db, "prune")
			if err != nil {
				return fmt.Errorf("prune %s: refused: %w; stop it first, or set retention: in its config", store.RedactURL(db), err)
			}
			defer lock.Unlock()
			s, err := a.openStore(cmd.Context(), cfg, false)
			if err != nil {
				return err
			}
			defer s.Close()
			cutoff := time.Now().Add(-age)
			res, err := s.Prune(cmd.Context(), cutoff)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "removed %d articles published before %s\n", res.Articles, cutoff.UTC().Format(time.RFC3339))
			fmt.Fprintf(a.stdout, "%d clusters and %d stories lost every member and went with them\n", res.Clusters, res.Stories)
			fmt.Fprintf(a.stdout, "database %s: %.1f MiB before, %.1f MiB after\n", s.Path(),
				float64(res.BytesBefore)/(1<<20), float64(res.BytesAfter)/(1<<20))
			return nil
		},
	}
	cmd.Flags().StringVar(&olderThan, "older-than", "", "remove articles published longer ago than this, like 90d, 2w or 720h")
	return cmd
}

// pruneDaily prunes the store at start and then once a day, keeping what
// was published within retention, until ctx ends. A failed prune is
// logged and tried again the next day; the store stays consistent.
func pruneDaily(ctx context.Context, s *store.Store, retention time.Duration, log *slog.Logger) {
	for {
		cutoff := time.Now().Add(-retention)
		res, err := s.Prune(ctx, cutoff)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Error("prune", slog.Any("error", err))
		default:
			log.Info("pruned", slog.Int("articles", res.Articles), slog.Int("clusters", res.Clusters),
				slog.Int("stories", res.Stories), slog.String("before", cutoff.UTC().Format(time.RFC3339)),
				slog.Int64("bytes_before", res.BytesBefore), slog.Int64("bytes_after", res.BytesAfter))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(24 * time.Hour):
		}
	}
}
