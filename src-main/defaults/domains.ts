/**
 * The default dataset's domains. Every domain has the same three-table shape - a
 * grouping table (G), an entity table that references it (E) and an event table
 * that references the entity (F) - so one set of templates covers all of them,
 * while table and column names, English nouns and values differ per domain.
 * Table names are unique across domains, so held-out domains mean held-out schemas.
 */

export interface GroupSpec {
  table: string;
  /** Primary key column; E references it under the same name. */
  id: string;
  one: string;
  many: string;
  label: string;
  labels: string[];
  cat: string;
  catPhrase: string;
  cats: string[];
}

export interface EntitySpec extends GroupSpec {
  num: string;
  numPhrase: string;
  min: number;
  max: number;
  /** INTEGER column when true, REAL with two decimals otherwise. */
  int: boolean;
}

export interface EventSpec {
  table: string;
  id: string;
  one: string;
  many: string;
  num: string;
  numPhrase: string;
  min: number;
  max: number;
  int: boolean;
  date: string;
  datePhrase: string;
}

export interface DomainSpec {
  name: string;
  description: string;
  g: GroupSpec;
  e: EntitySpec;
  f: EventSpec;
}

type G = [table: string, id: string, one: string, many: string, label: string, labels: string, cat: string, catPhrase: string, cats: string];
type E = [...G, num: string, numPhrase: string, min: number, max: number, int: boolean];
type F = [table: string, id: string, one: string, many: string, num: string, numPhrase: string, min: number, max: number, int: boolean, date: string, datePhrase: string];

// Compact rows keep thirty domains readable; lists are '|'-separated.
const split = (s: string): string[] => s.split('|');
function domain(name: string, description: string, g: G, e: E, f: F): DomainSpec {
  const group = (x: G): GroupSpec => ({
    table: x[0], id: x[1], one: x[2], many: x[3], label: x[4], labels: split(x[5]), cat: x[6], catPhrase: x[7], cats: split(x[8]),
  });
  return {
    name,
    description,
    g: group(g),
    e: { ...group(e.slice(0, 9) as G), num: e[9], numPhrase: e[10], min: e[11], max: e[12], int: e[13] },
    f: { table: f[0], id: f[1], one: f[2], many: f[3], num: f[4], numPhrase: f[5], min: f[6], max: f[7], int: f[8], date: f[9], datePhrase: f[10] },
  };
}

export const DOMAINS: DomainSpec[] = [
  domain('retail', 'Retail stores, the products they stock and the sales of those products.',
    ['stores', 'store_id', 'store', 'stores', 'store_name', 'Downtown Market|Riverside Shop|Hilltop Store|Harbor Outlet|Maple Mall', 'city', 'city', 'Austin|Denver|Portland|Boston'],
    ['products', 'product_id', 'product', 'products', 'product_name', 'Desk Lamp|Coffee Maker|Yoga Mat|Backpack|Water Bottle|Headphones|Throw Pillow|Toaster', 'category', 'category', 'Electronics|Home|Sports|Kitchen', 'price', 'price', 5, 300, false],
    ['sales', 'sale_id', 'sale', 'sales', 'amount', 'sale amount', 10, 900, false, 'sale_date', 'sale date']),
  domain('healthcare', 'Clinics, the doctors who work there and the appointments they hold.',
    ['clinics', 'clinic_id', 'clinic', 'clinics', 'clinic_name', 'Northside Clinic|Lakeview Health|Cedar Medical|Sunrise Care|Valley Practice', 'state', 'state', 'Texas|Ohio|Oregon|Florida'],
    ['doctors', 'doctor_id', 'doctor', 'doctors', 'doctor_name', 'Dr. Patel|Dr. Nguyen|Dr. Garcia|Dr. Smith|Dr. Kim|Dr. Okafor|Dr. Rossi|Dr. Larsen', 'specialty', 'specialty', 'Cardiology|Pediatrics|Dermatology|Oncology', 'years_experience', 'years of experience', 1, 40, true],
    ['appointments', 'appointment_id', 'appointment', 'appointments', 'fee', 'fee', 40, 600, false, 'appointment_date', 'appointment date']),
  domain('education', 'School districts, their teachers and the professional development workshops teachers attend.',
    ['schools', 'school_id', 'school', 'schools', 'school_name', 'Lincoln High|Oak Elementary|Westfield Middle|Pine Academy|Central Prep', 'district', 'district', 'North|South|East|West'],
    ['teachers', 'teacher_id', 'teacher', 'teachers', 'teacher_name', 'Ms. Alvarez|Mr. Brooks|Ms. Chen|Mr. Diaz|Ms. Evans|Mr. Fischer|Ms. Gupta|Mr. Hughes', 'subject', 'subject', 'Math|Science|History|Art', 'salary', 'salary', 38000, 92000, true],
    ['workshops', 'workshop_id', 'workshop', 'workshops', 'hours', 'hours', 1, 60, true, 'workshop_date', 'workshop date']),
  domain('logistics', 'Warehouses, the vehicles based at them and the shipments those vehicles carry.',
    ['warehouses', 'warehouse_id', 'warehouse', 'warehouses', 'warehouse_name', 'Central Depot|East Hub|West Hub|Port Facility|North Yard', 'region', 'region', 'Midwest|Northeast|South|Pacific'],
    ['vehicles', 'vehicle_id', 'vehicle', 'vehicles', 'plate_number', 'TRK-101|TRK-202|VAN-303|VAN-404|TRK-505|VAN-606|TRK-707|VAN-808', 'vehicle_type', 'vehicle type', 'truck|van|trailer|pickup', 'capacity_kg', 'capacity in kilograms', 800, 24000, true],
    ['shipments', 'shipment_id', 'shipment', 'shipments', 'weight_kg', 'weight in kilograms', 5, 5000, false, 'ship_date', 'ship date']),
  domain('finance', 'Bank branches, the accounts opened at them and the transactions on those accounts.',
    ['branches', 'branch_id', 'branch', 'branches', 'branch_name', 'Main Street|Airport Road|Market Square|Union Plaza|Elm Avenue', 'city', 'city', 'Chicago|Seattle|Miami|Phoenix'],
    ['accounts', 'account_id', 'account', 'accounts', 'holder_name', 'Alice Moore|Brian Lee|Carla Ruiz|David Stone|Emma Ford|Frank Hall|Grace Wu|Henry Cole', 'account_type', 'account type', 'checking|savings|business|student', 'balance', 'balance', 100, 50000, false],
    ['transactions', 'transaction_id', 'transaction', 'transactions', 'amount', 'amount', 5, 4000, false, 'transaction_date', 'transaction date']),
  domain('sports', 'Sports leagues, their players and the players\' match statistics.',
    ['leagues', 'league_id', 'league', 'leagues', 'league_name', 'Premier Circuit|Coastal League|Mountain Conference|Metro League|Prairie League', 'country', 'country', 'USA|Canada|Mexico|Brazil'],
    ['players', 'player_id', 'player', 'players', 'player_name', 'Jordan Hayes|Sam Rivera|Alex Turner|Chris Walker|Taylor Reed|Morgan Price|Jamie Fox|Casey Hunt', 'position', 'position', 'Forward|Midfielder|Defender|Goalkeeper', 'age', 'age', 18, 39, true],
    ['match_stats', 'stat_id', 'match record', 'match records', 'points', 'points', 0, 45, true, 'match_date', 'match date']),
  domain('music', 'Record labels, the artists signed to them and the concerts those artists play.',
    ['record_labels', 'label_id', 'record label', 'record labels', 'label_name', 'Blue Note Records|Echo Sound|Northern Lights Music|Velvet Records|Summit Audio', 'country', 'country', 'USA|UK|Sweden|Japan'],
    ['artists', 'artist_id', 'artist', 'artists', 'artist_name', 'The Lanterns|Mira Vale|Kofi Mensah|Silver Pines|Luna Park|Dex Harper|Nova Bloom|Red Canyon', 'genre', 'genre', 'Rock|Jazz|Pop|Hip Hop', 'monthly_listeners', 'monthly listeners', 1000, 900000, true],
    ['concerts', 'concert_id', 'concert', 'concerts', 'ticket_revenue', 'ticket revenue', 500, 250000, false, 'concert_date', 'concert date']),
  domain('agriculture', 'Farms, the crops planted on them and the harvests of those crops.',
    ['farms', 'farm_id', 'farm', 'farms', 'farm_name', 'Green Acres|Sunny Fields|Willow Creek Farm|Red Barn Farm|Prairie Gold', 'region', 'region', 'Iowa|Kansas|Nebraska|California'],
    ['crops', 'crop_id', 'crop', 'crops', 'crop_name', 'Corn Plot A|Wheat Plot B|Soy Plot C|Barley Plot D|Oat Plot E|Rice Plot F|Canola Plot G|Sorghum Plot H', 'crop_type', 'crop type', 'grain|legume|oilseed|cereal', 'area_hectares', 'area in hectares', 2, 400, false],
    ['harvests', 'harvest_id', 'harvest', 'harvests', 'yield_tons', 'yield in tons', 1, 900, false, 'harvest_date', 'harvest date']),
  domain('energy', 'Utilities, the power plants they operate and the plants\' generation readings.',
    ['utilities', 'utility_id', 'utility', 'utilities', 'utility_name', 'Bright Power|Coastal Energy|Sierra Electric|Plains Utility|Evergreen Grid', 'state', 'state', 'Nevada|Arizona|Texas|Washington'],
    ['power_plants', 'plant_id', 'power plant', 'power plants', 'plant_name', 'Sun Ridge|Wind Gap|River Dam|Coal Point|Gas Bend|Solar Flats|Breeze Hill|Falls Station', 'energy_source', 'energy source', 'solar|wind|hydro|gas', 'capacity_mw', 'capacity in megawatts', 5, 2000, false],
    ['generation_readings', 'reading_id', 'generation reading', 'generation readings', 'output_mwh', 'output in megawatt-hours', 10, 9000, false, 'reading_date', 'reading date']),
  domain('hospitality', 'Hotel chains, their hotels and the bookings made at those hotels.',
    ['hotel_chains', 'chain_id', 'hotel chain', 'hotel chains', 'chain_name', 'Grand Stay|Cozy Inns|Skyline Hotels|Seaside Resorts|Urban Lodge', 'headquarters', 'headquarters country', 'USA|France|Spain|Thailand'],
    ['hotels', 'hotel_id', 'hotel', 'hotels', 'hotel_name', 'Bayview Hotel|Park Plaza|Mountain Lodge|City Center Inn|Palm Resort|Harbor House|Garden Suites|River Inn', 'hotel_class', 'hotel class', 'budget|midscale|luxury|boutique', 'nightly_rate', 'nightly rate', 45, 900, false],
    ['bookings', 'booking_id', 'booking', 'bookings', 'total_price', 'total price', 60, 5000, false, 'checkin_date', 'check-in date']),
  domain('aviation', 'Airlines, the aircraft in their fleets and the flights those aircraft operate.',
    ['airlines', 'airline_id', 'airline', 'airlines', 'airline_name', 'SkyWays|AeroNorth|BlueJet|Pacific Air|Condor Lines', 'country', 'country', 'USA|Germany|Australia|Chile'],
    ['aircraft', 'aircraft_id', 'aircraft', 'aircraft', 'tail_number', 'N101AB|N202CD|N303EF|N404GH|N505IJ|N606KL|N707MN|N808OP', 'manufacturer', 'manufacturer', 'Boeing|Airbus|Embraer|Bombardier', 'seats', 'number of seats', 50, 400, true],
    ['flights', 'flight_id', 'flight', 'flights', 'passengers', 'number of passengers', 20, 380, true, 'flight_date', 'flight date']),
  domain('real estate', 'Real estate agencies, the properties they list and the offers made on those properties.',
    ['agencies', 'agency_id', 'agency', 'agencies', 'agency_name', 'Keystone Realty|Open Door Homes|Summit Properties|Harbor Realty|Oak Tree Estates', 'city', 'city', 'Dallas|Atlanta|San Diego|Nashville'],
    ['properties', 'property_id', 'property', 'properties', 'address', '12 Oak St|45 Pine Ave|78 Lake Rd|9 Hill Ct|31 River Ln|56 Elm Dr|23 Birch Way|88 Cedar Blvd', 'property_type', 'property type', 'house|condo|townhouse|duplex', 'list_price', 'list price', 90000, 1500000, false],
    ['offers', 'offer_id', 'offer', 'offers', 'offer_amount', 'offer amount', 80000, 1600000, false, 'offer_date', 'offer date']),
  domain('manufacturing', 'Factories, the machines installed in them and the maintenance performed on those machines.',
    ['factories', 'factory_id', 'factory', 'factories', 'factory_name', 'Plant Alpha|Plant Beta|Ironworks One|Delta Assembly|Gamma Works', 'country', 'country', 'Germany|China|Mexico|Poland'],
    ['machines', 'machine_id', 'machine', 'machines', 'machine_name', 'Lathe 1|Press 2|Welder 3|Cutter 4|Drill 5|Mill 6|Robot 7|Furnace 8', 'machine_type', 'machine type', 'lathe|press|welder|robot', 'power_kw', 'power in kilowatts', 2, 500, false],
    ['maintenance_logs', 'log_id', 'maintenance log', 'maintenance logs', 'cost', 'maintenance cost', 50, 20000, false, 'service_date', 'service date']),
  domain('telecommunications', 'Service areas, the mobile subscribers in them and the subscribers\' data usage.',
    ['service_areas', 'area_id', 'service area', 'service areas', 'area_name', 'Metro North|Metro South|Rural East|Coastal West|Valley Central', 'state', 'state', 'Georgia|Michigan|Utah|Virginia'],
    ['subscribers', 'subscriber_id', 'subscriber', 'subscribers', 'subscriber_name', 'Liam Scott|Olivia Brown|Noah Adams|Ava Clark|Ethan Young|Mia King|Lucas Wright|Zoe Hill', 'plan_type', 'plan type', 'prepaid|postpaid|family|unlimited', 'monthly_fee', 'monthly fee', 10, 150, false],
    ['usage_records', 'usage_id', 'usage record', 'usage records', 'data_gb', 'data used in gigabytes', 0.5, 80, false, 'usage_date', 'usage date']),
  domain('gaming', 'Game studios, the games they publish and the play sessions of those games.',
    ['studios', 'studio_id', 'studio', 'studios', 'studio_name', 'Pixel Forge|Night Owl Games|Red Fox Studio|Iron Cloud|Moonbeam Interactive', 'country', 'country', 'USA|Japan|Poland|Canada'],
    ['games', 'game_id', 'game', 'games', 'title', 'Star Drift|Dungeon Depths|Speed Rush|Farm Life|Cyber Siege|Puzzle Peak|Ocean Quest|Sky Knights', 'genre', 'genre', 'RPG|Racing|Puzzle|Strategy', 'price', 'price', 0, 70, false],
    ['game_sessions', 'session_id', 'game session', 'game sessions', 'minutes_played', 'minutes played', 1, 600, true, 'session_date', 'session date']),
  domain('environment', 'Environmental monitoring networks, their stations and the stations\' air quality readings.',
    ['monitoring_networks', 'network_id', 'monitoring network', 'monitoring networks', 'network_name', 'Clean Air Watch|Urban Sensors|Valley Monitor|Coastal Air|Highland Net', 'agency', 'agency', 'EPA|State DEQ|City Council|University'],
    ['stations', 'station_id', 'station', 'stations', 'station_name', 'Station Alder|Station Birch|Station Cypress|Station Dogwood|Station Elm|Station Fir|Station Hazel|Station Juniper', 'station_type', 'station type', 'urban|rural|industrial|suburban', 'elevation_m', 'elevation in meters', 0, 3000, true],
    ['air_readings', 'reading_id', 'air reading', 'air readings', 'pm25', 'PM2.5 level', 1, 250, false, 'reading_date', 'reading date']),
  domain('nonprofit', 'Nonprofit chapters, their donors and the donations those donors make.',
    ['chapters', 'chapter_id', 'chapter', 'chapters', 'chapter_name', 'Bay Area Chapter|Lone Star Chapter|Great Lakes Chapter|Rocky Mountain Chapter|Gulf Coast Chapter', 'state', 'state', 'California|Texas|Illinois|Colorado'],
    ['donors', 'donor_id', 'donor', 'donors', 'donor_name', 'Ruth Baker|Omar Haddad|Lena Fischer|Victor Huang|Nina Costa|Paul Martin|Sara Ali|Tom Becker', 'donor_type', 'donor type', 'individual|corporate|foundation|estate', 'lifetime_pledge', 'lifetime pledge', 50, 100000, false],
    ['donations', 'donation_id', 'donation', 'donations', 'amount', 'donation amount', 5, 20000, false, 'donation_date', 'donation date']),
  domain('public transit', 'Bus depots, the buses based at them and the trips those buses run.',
    ['depots', 'depot_id', 'depot', 'depots', 'depot_name', 'North Depot|South Depot|Union Garage|Eastside Yard|Westgate Depot', 'city', 'city', 'Minneapolis|Pittsburgh|Sacramento|Baltimore'],
    ['buses', 'bus_id', 'bus', 'buses', 'fleet_number', 'B-100|B-117|B-128|B-135|B-142|B-156|B-163|B-179', 'fuel_type', 'fuel type', 'diesel|electric|hybrid|CNG', 'seats', 'number of seats', 20, 90, true],
    ['trips', 'trip_id', 'trip', 'trips', 'riders', 'number of riders', 0, 120, true, 'trip_date', 'trip date']),
  domain('insurance', 'Insurance offices, the policies they sell and the claims filed on those policies.',
    ['offices', 'office_id', 'office', 'offices', 'office_name', 'Downtown Office|Northgate Office|Bayside Office|Uptown Office|Lakeside Office', 'region', 'region', 'Northeast|Southeast|Midwest|West'],
    ['policies', 'policy_id', 'policy', 'policies', 'policy_number', 'POL-1001|POL-1002|POL-1003|POL-1004|POL-1005|POL-1006|POL-1007|POL-1008', 'policy_type', 'policy type', 'auto|home|life|health', 'premium', 'premium', 200, 6000, false],
    ['claims', 'claim_id', 'claim', 'claims', 'claim_amount', 'claim amount', 100, 80000, false, 'claim_date', 'claim date']),
  domain('publishing', 'Publishers, the books they publish and the orders placed for those books.',
    ['publishers', 'publisher_id', 'publisher', 'publishers', 'publisher_name', 'Lighthouse Press|Quill Books|Meridian House|Paper Crane|Atlas Publishing', 'country', 'country', 'USA|UK|Ireland|India'],
    ['books', 'book_id', 'book', 'books', 'title', 'The Silent River|Winter Roads|Code of Stars|Garden of Glass|Tides|The Last Orchard|Iron Sky|Small Hours', 'genre', 'genre', 'Fiction|Mystery|Science|Biography', 'page_count', 'page count', 90, 900, true],
    ['book_orders', 'order_id', 'book order', 'book orders', 'copies', 'number of copies', 1, 500, true, 'order_date', 'order date']),
  domain('cybersecurity', 'Business units, the servers they run and the security incidents detected on those servers.',
    ['business_units', 'unit_id', 'business unit', 'business units', 'unit_name', 'Payments|Marketing|Research|Operations|Customer Care', 'location', 'location', 'London|Singapore|New York|Berlin'],
    ['servers', 'server_id', 'server', 'servers', 'hostname', 'web-01|web-02|db-01|db-02|app-01|app-02|mail-01|vpn-01', 'operating_system', 'operating system', 'Linux|Windows|BSD|macOS', 'cpu_cores', 'number of CPU cores', 2, 128, true],
    ['incidents', 'incident_id', 'incident', 'incidents', 'severity_score', 'severity score', 1, 10, false, 'detected_date', 'detection date']),
  domain('fitness', 'Gyms, their members and the workouts members log.',
    ['gyms', 'gym_id', 'gym', 'gyms', 'gym_name', 'Iron Temple|FitHub|Peak Performance|Core Studio|Pulse Gym', 'city', 'city', 'Houston|Tampa|Columbus|Omaha'],
    ['members', 'member_id', 'member', 'members', 'member_name', 'Ana Silva|Ben Carter|Cleo Park|Dan Wells|Eve Ramos|Finn Ortiz|Gina Shaw|Hugo Lang', 'membership_type', 'membership type', 'basic|premium|student|family', 'age', 'age', 18, 75, true],
    ['workouts', 'workout_id', 'workout', 'workouts', 'calories', 'calories burned', 50, 1200, true, 'workout_date', 'workout date']),
  domain('food service', 'Restaurants, the items on their menus and the orders for those items.',
    ['restaurants', 'restaurant_id', 'restaurant', 'restaurants', 'restaurant_name', 'Golden Spoon|Taco Loco|Pasta Bella|Green Bowl|Sushi Go', 'cuisine', 'cuisine', 'Mexican|Italian|Japanese|Vegan'],
    ['menu_items', 'item_id', 'menu item', 'menu items', 'item_name', 'Veggie Burger|Caesar Salad|Margherita Pizza|Beef Tacos|Miso Soup|Pad Thai|Chicken Wrap|Fruit Bowl', 'course', 'course', 'starter|main|dessert|side', 'price', 'price', 3, 45, false],
    ['food_orders', 'order_id', 'food order', 'food orders', 'quantity', 'quantity', 1, 60, true, 'order_date', 'order date']),
  domain('automotive', 'Car dealerships, the cars on their lots and the service visits for those cars.',
    ['dealerships', 'dealership_id', 'dealership', 'dealerships', 'dealership_name', 'Highway Motors|Sunset Auto|Capital Cars|Riverbend Autos|Lakeshore Motors', 'state', 'state', 'Michigan|Ohio|Texas|Arizona'],
    ['cars', 'car_id', 'car', 'cars', 'model', 'Corolla|Civic|Model 3|F-150|Outback|Mustang|Camry|Leaf', 'body_style', 'body style', 'sedan|SUV|truck|hatchback', 'price', 'price', 15000, 90000, false],
    ['service_visits', 'visit_id', 'service visit', 'service visits', 'bill_amount', 'bill amount', 40, 4000, false, 'visit_date', 'visit date']),
  domain('tourism', 'Tour operators, the tours they offer and the bookings for those tours.',
    ['tour_operators', 'operator_id', 'tour operator', 'tour operators', 'operator_name', 'Wanderlust Tours|Global Trails|Island Hoppers|Alpine Adventures|Desert Treks', 'country', 'country', 'Italy|Peru|Kenya|Japan'],
    ['tours', 'tour_id', 'tour', 'tours', 'tour_name', 'City Highlights|Mountain Trek|Wine Country|Safari Day|Temple Walk|Coastal Cruise|Food Crawl|Glacier Hike', 'tour_type', 'tour type', 'cultural|adventure|culinary|nature', 'duration_days', 'duration in days', 1, 21, true],
    ['tour_bookings', 'booking_id', 'tour booking', 'tour bookings', 'travelers', 'number of travelers', 1, 40, true, 'booking_date', 'booking date']),
  domain('legal', 'Law firms, their attorneys and the hours attorneys bill.',
    ['law_firms', 'firm_id', 'law firm', 'law firms', 'firm_name', 'Baker and Lowe|Stone Partners|Reed Legal|Hart and Fields|Cole Law Group', 'city', 'city', 'New York|Chicago|Boston|Houston'],
    ['attorneys', 'attorney_id', 'attorney', 'attorneys', 'attorney_name', 'Laura Green|Mark Bishop|Nadia Karim|Owen Price|Priya Shah|Quinn Foster|Rosa Vega|Steve Nolan', 'practice_area', 'practice area', 'corporate|criminal|family|tax', 'hourly_rate', 'hourly rate', 150, 1200, false],
    ['billing_entries', 'entry_id', 'billing entry', 'billing entries', 'hours', 'hours billed', 0.25, 12, false, 'entry_date', 'entry date']),
  domain('mining', 'Mining companies, the mines they operate and the extraction output of those mines.',
    ['mining_companies', 'company_id', 'mining company', 'mining companies', 'company_name', 'Deep Earth Mining|Granite Resources|Copper Ridge Co|Northstar Minerals|Red Rock Mining', 'country', 'country', 'Australia|Chile|Canada|Peru'],
    ['mines', 'mine_id', 'mine', 'mines', 'mine_name', 'Eagle Pit|Bear Shaft|Falcon Mine|Wolf Quarry|Hawk Pit|Lynx Shaft|Otter Mine|Raven Quarry', 'mineral', 'mineral', 'copper|gold|iron|lithium', 'depth_m', 'depth in meters', 20, 3000, true],
    ['extractions', 'extraction_id', 'extraction', 'extractions', 'tonnes', 'tonnes extracted', 5, 20000, false, 'extraction_date', 'extraction date']),
  domain('space exploration', 'Space agencies, the satellites they operate and the observations those satellites make.',
    ['space_agencies', 'agency_id', 'space agency', 'space agencies', 'agency_name', 'NASA|ESA|JAXA|ISRO|CSA', 'country', 'headquarters country', 'USA|France|Japan|India'],
    ['satellites', 'satellite_id', 'satellite', 'satellites', 'satellite_name', 'Aurora-1|Helios-2|Kestrel-3|Orion-4|Polaris-5|Vega-6|Zephyr-7|Atlas-8', 'orbit_type', 'orbit type', 'LEO|MEO|GEO|polar', 'mass_kg', 'mass in kilograms', 50, 6000, false],
    ['observations', 'observation_id', 'observation', 'observations', 'data_mb', 'data volume in megabytes', 1, 9000, false, 'observation_date', 'observation date']),
  domain('fisheries', 'Ports, the fishing vessels registered there and the vessels\' catches.',
    ['ports', 'port_id', 'port', 'ports', 'port_name', 'Port Haven|Bay Harbor|Cape Landing|North Pier|Gull Point', 'country', 'country', 'Norway|Iceland|Chile|Portugal'],
    ['fishing_vessels', 'vessel_id', 'fishing vessel', 'fishing vessels', 'vessel_name', 'Sea Spirit|Northern Star|Ocean Pearl|Silver Fin|Blue Horizon|Storm Petrel|Tide Runner|Coral Queen', 'vessel_type', 'vessel type', 'trawler|longliner|seiner|gillnetter', 'length_m', 'length in meters', 8, 90, false],
    ['catches', 'catch_id', 'catch', 'catches', 'weight_kg', 'catch weight in kilograms', 10, 30000, false, 'catch_date', 'catch date']),
  domain('human resources', 'Departments, their employees and the overtime employees record.',
    ['departments', 'department_id', 'department', 'departments', 'department_name', 'Engineering|Sales|Finance|Support|Legal', 'location', 'location', 'Building A|Building B|Remote|Annex'],
    ['employees', 'employee_id', 'employee', 'employees', 'employee_name', 'Amy Ross|Raj Mehta|Lisa Wong|Carlos Vega|Fatima Noor|John Park|Kate Miller|Yusuf Demir', 'job_title', 'job title', 'Engineer|Analyst|Manager|Specialist', 'salary', 'salary', 40000, 180000, true],
    ['overtime_records', 'record_id', 'overtime record', 'overtime records', 'overtime_hours', 'overtime hours', 0.5, 20, false, 'work_date', 'work date']),
];
