"""The warehouse: Delta Lake tables of Parquet (runs, logs, samples) read through DuckDB."""
