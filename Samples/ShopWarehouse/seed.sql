-- The shop's operational database: customers, products, orders and their lines. Rows carry
-- updated_at (customers, products) or created_at (order lines), which the pipeline reads
-- incrementally. A few customers have e-mail addresses in mixed case or with spaces, and two
-- have none that is valid: the pipeline standardises the first and dead-letters the others.
DROP SCHEMA IF EXISTS shop CASCADE;
CREATE SCHEMA shop;

CREATE TABLE shop.customers (
    customer_id bigint PRIMARY KEY,
    email text NOT NULL,
    name text NOT NULL,
    city text,
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE shop.products (
    product_id bigint PRIMARY KEY,
    sku text NOT NULL UNIQUE,
    name text NOT NULL,
    price numeric(10, 2) NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE shop.orders (
    order_id bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES shop.customers,
    placed_at timestamptz NOT NULL
);

CREATE TABLE shop.order_lines (
    order_id bigint NOT NULL REFERENCES shop.orders,
    line_no int NOT NULL,
    product_id bigint NOT NULL REFERENCES shop.products,
    quantity int NOT NULL CHECK (quantity > 0),
    unit_price numeric(10, 2) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (order_id, line_no)
);

INSERT INTO shop.customers (customer_id, email, name, city)
SELECT i,
       CASE WHEN i % 50 = 0 THEN '  Customer' || i || '@Example.COM ' ELSE 'customer' || i || '@example.com' END,
       (ARRAY['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Zoë Brown', 'José Ruiz', 'Kenji Sato'])[1 + i % 6] || ' ' || i,
       (ARRAY['Zürich', 'London', 'Lisboa', 'Kyoto', NULL])[1 + i % 5]
FROM generate_series(1, 300) AS i;
UPDATE shop.customers SET email = 'not an address' WHERE customer_id IN (77, 154);

INSERT INTO shop.products (product_id, sku, name, price)
SELECT i, 'SKU-' || lpad(i::text, 4, '0'), (ARRAY['Kettle', 'Mug', 'Teapot', 'Tray', 'Spoon'])[1 + i % 5] || ' ' || i,
       (5 + (i * 37) % 200) + 0.99
FROM generate_series(1, 60) AS i;

INSERT INTO shop.orders (order_id, customer_id, placed_at)
SELECT i, 1 + (i * 7919) % 300, timestamptz '2026-11-01 08:00:00+00' + i * interval '97 seconds'
FROM generate_series(1, 3000) AS i;

INSERT INTO shop.order_lines (order_id, line_no, product_id, quantity, unit_price)
SELECT o, l, 1 + (o * 31 + l * 17) % 60, 1 + (o + l) % 4, (5 + ((1 + (o * 31 + l * 17) % 60) * 37) % 200) + 0.99
FROM generate_series(1, 3000) AS o, generate_series(1, 1 + o % 3) AS l
ORDER BY o, l;
