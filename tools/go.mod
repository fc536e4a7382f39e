module github.com/mictract/mictract/tools

go 1.26
