package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
)

// config is read from the environment; README.md documents every variable.
type config struct {
	DatabaseURL   string // read models, and events unless EventStoreURL is set; empty: the private cluster
	EventStoreURL string // postgres:// (default: DatabaseURL)
	HTTPAddr      string
	DataDir       string
	PostgresPort  int // port of the private cluster
	LogLevel      slog.Level
}

func loadConfig() (config, error) {
	c := config{
		DatabaseURL:   os.Getenv("ACCOUNTS_DATABASE_URL"),
		EventStoreURL: os.Getenv("ACCOUNTS_EVENTSTORE_URL"),
		HTTPAddr:      envOr("ACCOUNTS_HTTP_ADDR", "127.0.0.1:8080"),
		DataDir:       envOr("ACCOUNTS_DATA_DIR", ".data"),
		PostgresPort:  54329,
	}
	if v := os.Getenv("ACCOUNTS_POSTGRES_PORT"); v != "" {
		port, err := strconv.Atoi(v)
		if err != nil || port < 1 || port > 65535 {
			return c, fmt.Errorf("ACCOUNTS_POSTGRES_PORT=%q: want a port number", v)
		}
		c.PostgresPort = port
	}
	if v := os.Getenv("ACCOUNTS_LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return c, fmt.Errorf("ACCOUNTS_LOG_LEVEL=%q: want debug, info, warn or error", v)
		}
	}
	dir, err := filepath.Abs(c.DataDir)
	if err != nil {
		return c, fmt.Errorf("ACCOUNTS_DATA_DIR: %w", err)
	}
	c.DataDir = dir
	return c, nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
