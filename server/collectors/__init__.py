"""Collection organisations (tổ chức dịch vụ thu) and their contracts with the agency."""
