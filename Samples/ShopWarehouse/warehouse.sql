-- The star schema the pipeline delivers to. dim_customer keeps history (valid_from,
-- valid_to); dim_product is kept current; fact_order_line holds one row per order line;
-- revenue per hour is the sum of the parts each window firing appended, so that an hour
-- whose lines arrive across several runs still adds up.
CREATE SCHEMA IF NOT EXISTS dw;

CREATE TABLE IF NOT EXISTS dw.dim_customer (
    customer_key bigserial PRIMARY KEY,
    customer_id bigint NOT NULL,
    email text NOT NULL,
    name text NOT NULL,
    city text,
    valid_from timestamptz NOT NULL,
    valid_to timestamptz
);

CREATE TABLE IF NOT EXISTS dw.dim_product (
    product_id bigint PRIMARY KEY,
    sku text NOT NULL,
    name text NOT NULL,
    price numeric(10, 2) NOT NULL
);

CREATE TABLE IF NOT EXISTS dw.fact_order_line (
    order_id bigint NOT NULL,
    line_no int NOT NULL,
    customer_id bigint NOT NULL,
    product_id bigint NOT NULL,
    quantity int NOT NULL,
    unit_price numeric(10, 2) NOT NULL,
    amount numeric(12, 2) NOT NULL,
    placed_at timestamptz NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE IF NOT EXISTS dw.revenue_hourly_part (
    hour timestamptz NOT NULL,
    lines bigint NOT NULL,
    revenue numeric(14, 2) NOT NULL
);

CREATE OR REPLACE VIEW dw.revenue_hourly AS
SELECT hour, sum(lines) AS lines, sum(revenue) AS revenue FROM dw.revenue_hourly_part GROUP BY hour;
