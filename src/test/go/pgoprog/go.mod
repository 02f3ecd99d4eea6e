module example.com/pgoprog

go 1.23
