module oddbytes

go 1.21
